"""GalleryFeatureCache embeds only new or changed files, per model."""
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from search_helpers import write_image  # noqa: I100

from mmsona.search import CacheMismatchError, GalleryFeatureCache


def fake_embed(paths):
    """Stand-in embedding: mean colour, or a reason for unreadable files."""
    feats, reasons = [], []
    for path in paths:
        img = cv2.imread(path)
        reasons.append('' if img is not None else 'not an image')
        if img is not None:
            feats.append(img.reshape(-1, 3).mean(0))
    return np.array(feats, np.float32).reshape(-1, 3), reasons


def test_feature_cache_embeds_only_new_or_changed_files(tmp_path):
    gallery = str(tmp_path / 'gallery')
    for i, name in enumerate(['a.jpg', 'sub/b c.png', 'sub/deep/ü.JPG']):
        write_image(osp.join(gallery, name), i)
    with open(osp.join(gallery, 'broken.jpg'), 'w') as f:
        f.write('not an image')
    cache_dir = str(tmp_path / 'cache')
    calls = []

    def embed(paths):
        calls.extend(paths)
        return fake_embed(paths)

    cache = GalleryFeatureCache(cache_dir, 'model-1')
    cache.load()
    update = cache.refresh(gallery, embed, batch_size=2, progress=False)
    assert (update.num_embedded, update.num_reused) == (3, 0)
    assert update.skipped == [('broken.jpg', 'not an image')]
    assert cache.paths == ['a.jpg', 'sub/b c.png', 'sub/deep/ü.JPG']
    ref = fake_embed([osp.join(gallery, p) for p in cache.paths])[0]
    np.testing.assert_allclose(cache.features, ref)

    # Unchanged folder: nothing embedded, the broken file not decoded again.
    calls.clear()
    again = GalleryFeatureCache(cache_dir, 'model-1')
    again.load()
    update = again.refresh(gallery, embed, progress=False)
    assert (update.num_embedded, update.num_reused) == (0, 3)
    assert calls == [] and len(update.skipped) == 1

    # One file changed, one added, one removed.
    write_image(osp.join(gallery, 'a.jpg'), 10)
    stat = os.stat(osp.join(gallery, 'a.jpg'))
    os.utime(
        osp.join(gallery, 'a.jpg'),
        ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    write_image(osp.join(gallery, 'new.png'), 11)
    os.remove(osp.join(gallery, 'sub/b c.png'))
    third = GalleryFeatureCache(cache_dir, 'model-1')
    third.load()
    update = third.refresh(gallery, embed, progress=False)
    assert (update.num_embedded, update.num_reused,
            update.num_removed) == (2, 1, 1)
    assert third.paths == ['a.jpg', 'new.png', 'sub/deep/ü.JPG']
    ref = fake_embed([osp.join(gallery, p) for p in third.paths])[0]
    np.testing.assert_allclose(third.features, ref)
    assert again.version != third.version

    # Another model: refused with one line, replaced on request.
    other = GalleryFeatureCache(cache_dir, 'model-2')
    with pytest.raises(CacheMismatchError, match='another model') as err:
        other.load()
    assert '\n' not in str(err.value)
    other.load(rebuild=True)
    assert other.refresh(gallery, embed, progress=False).num_embedded == 3
    with open(osp.join(cache_dir, 'meta.json')) as f:
        assert json.load(f)['fingerprint'] == 'model-2'

    # A damaged cache is named, not trusted.
    with open(osp.join(cache_dir, 'meta.json'), 'w') as f:
        f.write('{')
    with pytest.raises(CacheMismatchError, match='damaged'):
        GalleryFeatureCache(cache_dir, 'model-2').load()
