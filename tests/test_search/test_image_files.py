"""list_images: the image files of a folder tree."""
from mmsona.search import list_images


def test_list_images_skips_hidden_and_excluded_folders(tmp_path):
    for name in ['x.jpg', '.hidden/y.jpg', 'out/z.jpg', 'sub/w.bmp', 'a.txt']:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b'')
    assert list_images(
        str(tmp_path),
        exclude=[str(tmp_path / 'out')]) == ['sub/w.bmp', 'x.jpg']
