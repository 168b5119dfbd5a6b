"""Rank-list pictures of search results (no identities known)."""
import itertools
import os
import os.path as osp
from typing import List, Optional, Sequence, Tuple

import numpy as np

from mmsona.utils.markup import safe_stem
from .image_loader import ImageLoader
from .query import crop_box
from .results import QueryResult

__all__ = ['picture_name', 'write_rank_pictures', 'read_query_image']

_COUNTER = itertools.count()


def picture_name(position: int, result: QueryResult) -> str:
    """File name of a query's picture: ``q<position>_<safe stem>.png``.

    Args:
        position (int): The query's position in the results.
        result (QueryResult): Its result.

    Returns:
        str: The name (letters, digits, ``._-`` only).
    """
    stem = osp.splitext(osp.basename(result.query.path))[0]
    return f'q{position:05d}_{safe_stem(stem, 60)}.png'


def read_query_image(loader: ImageLoader, result: QueryResult) -> np.ndarray:
    """The query's BGR image (its box, for a crop)."""
    query = result.query
    return crop_box(loader(query.path), query.box, query.label)


def _rgb_or_none(loader: ImageLoader, path: str) -> Optional[np.ndarray]:
    """RGB image of a file, None (drawn grey) when it cannot be read."""
    image, _ = loader.try_load(path)
    return None if image is None else np.ascontiguousarray(image[..., ::-1])


def _short(text: str, width: int = 18) -> str:
    """Text cut to ``width`` characters with an ellipsis in the middle."""
    if len(text) <= width:
        return text
    half = (width - 1) // 2
    return text[:half] + '…' + text[-(width - 1 - half):]


def write_rank_pictures(results: Sequence[QueryResult],
                        gallery_dir: str,
                        out_dir: str,
                        loader: Optional[ImageLoader] = None,
                        thumb_size: Tuple[int, int] = (160, 80),
                        metric: str = 'euclidean') -> List[str]:
    """Draw one rank list per query with :class:`ReIDVisualizer`.

    The query comes first, then its matches with rank and distance; every
    border is neutral (``'unlabelled'``), since no identities are known.

    Args:
        results (Sequence[QueryResult]): The results.
        gallery_dir (str): The gallery folder.
        out_dir (str): Folder of the pictures (created).
        loader (ImageLoader, optional): Image decoder. Defaults to MMCV's.
        thumb_size (tuple[int, int]): ``(h, w)`` of every thumbnail.
        metric (str): Distance named in the title.

    Returns:
        list[str]: The picture names (relative to ``out_dir``), per query.
    """
    from mmsona.visualization import ReIDVisualizer
    loader = loader or ImageLoader()
    visualizer = ReIDVisualizer(name=f'mmsona_search_{next(_COUNTER)}')
    os.makedirs(out_dir, exist_ok=True)
    names = []
    for position, result in enumerate(results):
        query = read_query_image(loader, result)[..., ::-1]
        matches = result.matches
        name = picture_name(position, result)
        visualizer.visualize_rank_list(
            np.ascontiguousarray(query), [
                _rgb_or_none(loader, osp.join(gallery_dir, m.path))
                for m in matches
            ], [m.distance for m in matches], ['unlabelled'] * len(matches),
            ranks=[m.rank for m in matches],
            query_text=_short(osp.basename(result.query.path)),
            gallery_texts=[_short(osp.basename(m.path)) for m in matches],
            title=f'{result.query.label}  ({metric} distance)',
            thumb_size=thumb_size,
            out_file=osp.join(out_dir, name),
            add_to_backends=False)
        names.append(name)
    return names
