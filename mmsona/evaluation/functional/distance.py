"""Pairwise distances between query and gallery features."""
from typing import Optional, Union

import numpy as np
import torch
import torch.nn.functional as F

from .inputs import as_feature_pair

__all__ = ['compute_distance', 'PairwiseDistance', 'squared_norms']

METRICS = ('euclidean', 'cosine')


def squared_norms(feats: torch.Tensor, block: int = 8192) -> torch.Tensor:
    """Row-wise squared L2 norms, ``block`` rows at a time.

    Same values as ``feats.pow(2).sum(1)`` without its full-size temporary.

    Args:
        feats (torch.Tensor): ``(N, D)`` features.
        block (int): Rows per step. Defaults to 8192.

    Returns:
        torch.Tensor: ``(N,)`` squared norms.
    """
    out = feats.new_empty(feats.shape[0])
    for start in range(0, feats.shape[0], block):
        out[start:start + block] = feats[start:start + block].pow(2).sum(1)
    return out


def _check_metric(metric: str) -> None:
    if metric not in METRICS:
        raise ValueError(
            f'Unknown distance metric {metric!r}; use one of {METRICS}.')


class PairwiseDistance:
    """Distances from query rows to a fixed gallery.

    The gallery-side terms (squared norms, or the L2-normalised features for
    cosine) are computed once, so each call costs one matrix product plus a
    few in-place element-wise passes over its output.

    - ``'euclidean'``: ``sqrt(max(|q|^2 + |g|^2 - 2 q.g, 0))``.
    - ``'cosine'``: ``1 - cos(q, g)``, features L2-normalised first.

    Args:
        gallery (torch.Tensor): Gallery features, ``(G, D)``.
        metric (str): ``'euclidean'`` or ``'cosine'``.
        squared (bool): For ``'euclidean'``, return squared distances.
            Ignored for ``'cosine'``. Defaults to False.
    """

    def __init__(self,
                 gallery: torch.Tensor,
                 metric: str = 'euclidean',
                 squared: bool = False) -> None:
        _check_metric(metric)
        if gallery.dim() != 2:
            raise ValueError('Gallery features must be 2-D (G, D), got shape '
                             f'{tuple(gallery.shape)}.')
        if not gallery.is_floating_point():
            gallery = gallery.double()
        self.metric = metric
        self.squared = squared
        if metric == 'cosine':
            self.gallery = F.normalize(gallery, dim=1)
            self.gallery_sq = None
        else:
            self.gallery = gallery
            self.gallery_sq = squared_norms(gallery)

    def __call__(self, query: torch.Tensor) -> torch.Tensor:
        """Compute the ``(B, G)`` distances of a block of queries.

        Args:
            query (torch.Tensor): Query features, ``(B, D)``, on the same
                device and with the same dtype as the gallery.

        Returns:
            torch.Tensor: The distances, ``(B, G)``, contiguous.
        """
        gallery = self.gallery
        query = query.to(dtype=gallery.dtype)
        if self.metric == 'cosine':
            query = F.normalize(query, dim=1)
            one = torch.ones(1, dtype=gallery.dtype, device=gallery.device)
            dist = torch.addmm(one, query, gallery.t(), beta=1, alpha=-1)
            return dist.clamp_min_(0)
        dist = torch.addmm(
            self.gallery_sq.unsqueeze(0), query, gallery.t(), beta=1, alpha=-2)
        dist.add_(squared_norms(query).unsqueeze(1)).clamp_min_(0)
        if not self.squared:
            dist.sqrt_()
        return dist


def compute_distance(query: Union[np.ndarray, torch.Tensor],
                     gallery: Union[np.ndarray, torch.Tensor],
                     metric: str = 'euclidean',
                     chunk_size: Optional[int] = None) -> torch.Tensor:
    """Compute the full query x gallery distance matrix.

    Runs on the device of ``query`` (CPU or GPU). Distances are computed
    ``chunk_size`` query rows at a time, so the only large allocation is the
    output itself. Use :func:`evaluate_features` to rank without keeping the
    full matrix.

    Args:
        query (np.ndarray | torch.Tensor): Query features, ``(Q, D)``.
        gallery (np.ndarray | torch.Tensor): Gallery features, ``(G, D)``.
        metric (str): ``'euclidean'`` (L2 distance) or ``'cosine'``
            (``1 - cosine similarity``). Defaults to ``'euclidean'``.
        chunk_size (int, optional): Query rows per block. Defaults to all.

    Returns:
        torch.Tensor: ``(Q, G)`` distances with the features' float dtype.
    """
    query, gallery = as_feature_pair(query, gallery)
    dist_fn = PairwiseDistance(gallery, metric)
    num_query = query.shape[0]
    step = chunk_size or max(num_query, 1)
    if step < 1:
        raise ValueError(f'chunk_size must be positive, got {chunk_size}.')
    out = query.new_empty((num_query, gallery.shape[0]))
    for start in range(0, num_query, step):
        out[start:start + step] = dist_fn(query[start:start + step])
    return out
