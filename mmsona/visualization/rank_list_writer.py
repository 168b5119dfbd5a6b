"""Drawing the rank lists of chosen queries to files and backends."""
import os.path as osp
from typing import List, Optional, Sequence, Tuple

import mmcv
import numpy as np
import torch
from mmengine.visualization import Visualizer

from mmsona.evaluation.functional import compute_distance
from mmsona.utils.markup import safe_stem
from .rank_list import select_rank_list
from .reid_visualizer import ReIDVisualizer

__all__ = ['read_rgb', 'write_rank_lists']


def read_rgb(path: Optional[str]) -> Optional[np.ndarray]:
    """Read an image as RGB, None when it cannot be read."""
    if not path or not osp.isfile(path):
        return None
    img = mmcv.imread(path)
    return None if img is None else img[..., ::-1]


def write_rank_lists(visualizer: ReIDVisualizer,
                     query_feats: torch.Tensor,
                     gallery_feats: torch.Tensor,
                     query_pids: Sequence[int],
                     gallery_pids: Sequence[int],
                     query_camids: Sequence[int],
                     gallery_camids: Sequence[int],
                     query_paths: Sequence[str],
                     gallery_paths: Sequence[str],
                     out_dir: Optional[str],
                     query_indices: Sequence[int],
                     topk: int = 10,
                     metric: str = 'euclidean',
                     junk: str = 'mark',
                     thumb_size: Tuple[int, int] = (160, 80),
                     name_prefix: str = 'rank',
                     step: int = 0,
                     add_to_backends: bool = True,
                     recorder: Optional[Visualizer] = None) -> List[str]:
    """Draw and write the rank lists of chosen queries.

    Args:
        visualizer (ReIDVisualizer): Draws and records the pictures.
        query_feats (Tensor): Q x D query features.
        gallery_feats (Tensor): G x D gallery features.
        query_pids, gallery_pids (Sequence[int]): Identities.
        query_camids, gallery_camids (Sequence[int]): Cameras.
        query_paths, gallery_paths (Sequence[str]): Image files.
        out_dir (str, optional): Folder of the PNG files
            (``<name_prefix>_q<index>_<query file stem>.png``, characters of
            the stem other than letters, digits and ``._-`` replaced by
            ``_``); None writes none (backends only).
        query_indices (Sequence[int]): Queries to draw.
        topk (int): Ranked gallery images per query. Defaults to 10.
        metric (str): ``'euclidean'`` or ``'cosine'``. Defaults to
            ``'euclidean'``.
        junk (str): ``'mark'`` or ``'skip'`` same-camera matches. Defaults
            to ``'mark'``.
        thumb_size (tuple[int, int]): Thumbnail ``(h, w)``.
        name_prefix (str): File and backend name prefix. Defaults to
            'rank'.
        step (int): Backend step. Defaults to 0.
        add_to_backends (bool): Also record in the visual backends.
        recorder (Visualizer, optional): The visualizer whose backends
            record the pictures (e.g. a Runner's, of another class).
            Defaults to ``visualizer``.

    Returns:
        list[str]: The written files (empty when ``out_dir`` is None).
    """
    query_indices = [int(i) for i in query_indices]
    if not query_indices:
        return []
    dist = compute_distance(
        query_feats[query_indices].float(),
        gallery_feats.float(),
        metric=metric).cpu().numpy()
    written = []
    for row, qi in enumerate(query_indices):
        items = select_rank_list(
            dist[row],
            int(query_pids[qi]),
            int(query_camids[qi]),
            gallery_pids,
            gallery_camids,
            topk=topk,
            junk=junk)
        stem = safe_stem(osp.splitext(osp.basename(str(query_paths[qi])))[0])
        name = f'{name_prefix}_q{qi:05d}_{stem}'
        out_file = None
        if out_dir is not None:
            out_file = osp.join(out_dir, name + '.png')
            written.append(out_file)
        first = next((it for it in items if it.rank is not None), None)
        verdict = '' if first is None else (
            '  R1 correct' if first.kind == 'correct' else '  R1 wrong')
        drawn = visualizer.visualize_rank_list(
            read_rgb(query_paths[qi]),
            [read_rgb(gallery_paths[it.index]) for it in items],
            [it.distance for it in items], [it.kind for it in items],
            ranks=[it.rank for it in items],
            query_text=f'id {int(query_pids[qi])}  cam '
            f'{int(query_camids[qi]) + 1}',
            gallery_texts=[
                f'id {int(gallery_pids[it.index])}  cam '
                f'{int(gallery_camids[it.index]) + 1}' for it in items
            ],
            title=f'{osp.basename(str(query_paths[qi]))}  ({metric} '
            f'distance){verdict}',
            thumb_size=thumb_size,
            name=name,
            out_file=out_file,
            add_to_backends=False)
        if add_to_backends and drawn is not None:
            (recorder or visualizer).add_image(name, drawn, step=step)
    return written
