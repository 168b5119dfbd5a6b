"""Queries of a search: image files, folders of them, or boxes of frames."""
import os.path as osp
import re
from typing import List, NamedTuple, Optional, Sequence, Tuple

import numpy as np

from .errors import QueryError
from .image_files import IMG_EXTENSIONS, list_images

__all__ = ['Query', 'parse_query', 'expand_queries', 'crop_box']

Box = Tuple[int, int, int, int]

_BOX = re.compile(r'^(.*):\s*(-?\d+)\s*,\s*(-?\d+)\s*,\s*(-?\d+)\s*,\s*(-?\d+)'
                  r'\s*$')


class Query(NamedTuple):
    """One query image.

    Args:
        path (str): The image file.
        box (tuple[int, int, int, int], optional): ``(x1, y1, x2, y2)``
            crop of the image in pixels (``x2``, ``y2`` exclusive); None for
            the whole image.
    """

    path: str
    box: Optional[Box] = None

    @property
    def label(self) -> str:
        """How the query is named in results: ``path`` or ``path:box``."""
        if self.box is None:
            return self.path
        return self.path + ':' + ','.join(str(v) for v in self.box)


def parse_query(text: str) -> Tuple[str, Optional[Box]]:
    """Split ``IMG`` or ``IMG:x1,y1,x2,y2`` into a path and a box.

    A path that exists as given is never split, so a file whose name ends
    in ``:1,2,3,4`` is still found.

    Args:
        text (str): The query as typed.

    Returns:
        tuple[str, tuple | None]: The path and the box (or None).

    Raises:
        QueryError: The box is empty or inverted.
    """
    match = _BOX.match(text)
    if match is None or osp.exists(text):
        return text, None
    box = tuple(int(v) for v in match.groups()[1:])
    x1, y1, x2, y2 = box
    if x1 < 0 or y1 < 0 or x2 <= x1 or y2 <= y1:
        raise QueryError(
            f'query box {text!r} must be x1,y1,x2,y2 with 0 <= x1 < x2 and '
            '0 <= y1 < y2 (pixels).')
    return match.group(1), box


def expand_queries(items: Sequence[str],
                   exts: Sequence[str] = IMG_EXTENSIONS) -> List[Query]:
    """Turn the query arguments into a list of queries.

    Args:
        items (Sequence[str]): Image files, folders (every image below them,
            sorted) or ``IMG:x1,y1,x2,y2`` boxes.
        exts (Sequence[str]): Image extensions for folders.

    Returns:
        list[Query]: The queries, in argument order.

    Raises:
        QueryError: A query does not exist, a box is bad, or a folder holds
            no image.
    """
    queries = []
    for item in items:
        path, box = parse_query(item)
        if osp.isdir(path):
            if box is not None:
                raise QueryError(f'query {item!r}: a box needs an image, '
                                 f'{path!r} is a folder.')
            found = list_images(path, exts)
            if not found:
                raise QueryError(f'query folder {path!r} holds no image '
                                 f'({", ".join(exts)}).')
            queries.extend(Query(osp.join(path, rel)) for rel in found)
        elif osp.isfile(path):
            queries.append(Query(path, box))
        else:
            raise QueryError(f'query {path!r} does not exist.')
    if not queries:
        raise QueryError('no query given.')
    return queries


def crop_box(image: np.ndarray, box: Optional[Box], label: str) -> np.ndarray:
    """The part of an image inside a box (the image itself for None).

    Args:
        image (np.ndarray): ``H x W x C`` image.
        box (tuple, optional): ``(x1, y1, x2, y2)``, ``x2``/``y2`` exclusive.
        label (str): The query, named in the error.

    Returns:
        np.ndarray: The crop (contiguous).

    Raises:
        QueryError: The box is not inside the image.
    """
    if box is None:
        return image
    x1, y1, x2, y2 = box
    h, w = image.shape[:2]
    if x2 > w or y2 > h:
        raise QueryError(f'query box {label!r} exceeds the image, which is '
                         f'{w} x {h} pixels (width x height).')
    return np.ascontiguousarray(image[y1:y2, x1:x2])
