"""Finding and reading the images of a folder tree."""
import os
import os.path as osp
from typing import Iterable, List, Sequence

__all__ = ['IMG_EXTENSIONS', 'list_images']

#: Extensions (lower case) of the files taken as images.
IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')


def list_images(root: str,
                exts: Sequence[str] = IMG_EXTENSIONS,
                exclude: Iterable[str] = (),
                recursive: bool = True) -> List[str]:
    """Every image below a folder, sub-folders included unless told not.

    Hidden files and folders (names starting with ``.``) are left out, so a
    cache or thumbnails written inside the folder are never taken as
    gallery images.

    Args:
        root (str): The folder.
        exts (Sequence[str]): Extensions, case-insensitive, with or without
            the dot. Defaults to :data:`IMG_EXTENSIONS`.
        exclude (Iterable[str]): Folders left out with everything below
            them (e.g. the output folder of a search, when it lies inside
            the gallery).
        recursive (bool): Include sub-folders. Defaults to True.

    Returns:
        list[str]: Paths relative to ``root`` with ``/`` separators, sorted.
    """
    exts = tuple('.' + e.lower().lstrip('.') for e in exts)
    skip = {osp.realpath(d) for d in exclude}
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(
            d for d in dirs if recursive and not d.startswith('.')
            and osp.realpath(osp.join(folder, d)) not in skip)
        for name in files:
            if not name.startswith('.') and name.lower().endswith(exts):
                rel = osp.relpath(osp.join(folder, name), root)
                found.append(rel.replace(os.sep, '/'))
    return sorted(found)
