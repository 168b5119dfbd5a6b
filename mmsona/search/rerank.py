"""k-reciprocal re-ranking of the candidates an index found."""
from typing import Tuple, Union

import numpy as np
import torch

from mmsona.evaluation.functional import re_ranking

__all__ = ['rerank_candidates']


def rerank_candidates(query_feats: np.ndarray,
                      gallery_feats: np.ndarray,
                      candidates: np.ndarray,
                      topk: int,
                      metric: str = 'euclidean',
                      device: Union[str, torch.device] = 'cpu',
                      k1: int = 20,
                      k2: int = 6,
                      lambda_value: float = 0.3
                      ) -> Tuple[np.ndarray, np.ndarray]:
    """Re-rank the union of every query's candidates.

    mmsona's k-reciprocal re-ranking
    (:func:`mmsona.evaluation.functional.re_ranking`) runs on the
    queries together with the union of the gallery items any query's
    index search returned; every query is then ranked over that whole
    union by the re-ranked distance. When the candidates cover the
    gallery (a gallery no larger than the candidate pool), this is the
    re-ranking of the whole gallery.

    Args:
        query_feats (np.ndarray): ``(Q, D)`` query features.
        gallery_feats (np.ndarray): ``(G, D)`` gallery features
            (memory-mapped arrays are fine: only candidates are read).
        candidates (np.ndarray): ``(Q, P)`` gallery indices from an
            index, -1 for none.
        topk (int): Matches kept per query.
        metric (str): ``'euclidean'`` or ``'cosine'``.
        device (str | torch.device): Where the re-ranking runs.
        k1 (int): k-reciprocal neighbourhood size. Defaults to 20.
        k2 (int): Local query expansion size. Defaults to 6.
        lambda_value (float): Weight of the original distance.
            Defaults to 0.3.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``(Q, k)`` re-ranked distances in
        increasing order (ties by gallery index) and gallery indices,
        ``k = min(topk, number of distinct candidates)``.
    """
    pool = np.unique(candidates[candidates >= 0])
    num_q = len(query_feats)
    k = min(int(topk), len(pool))
    if k == 0 or num_q == 0:
        return (np.empty((num_q, k), np.float32), np.empty((num_q, k),
                                                           np.int64))
    query = torch.as_tensor(
        np.asarray(query_feats, dtype=np.float32), device=device)
    gallery = torch.as_tensor(
        np.asarray(gallery_feats[pool], dtype=np.float32), device=device)
    dist = re_ranking(
        query, gallery, k1=k1, k2=k2, lambda_value=lambda_value,
        metric=metric).cpu().numpy()
    # ``pool`` is sorted, so a stable sort breaks ties by gallery index.
    order = np.argsort(dist, axis=1, kind='stable')[:, :k]
    return (np.take_along_axis(dist, order, 1).astype(np.float32), pool[order])
