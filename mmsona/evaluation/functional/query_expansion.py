"""Alpha query expansion (alpha-QE) of re-ID features."""
from typing import Optional, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F

from .inputs import as_feature_pair
from .rank_metrics import default_chunk_size

__all__ = ['query_expansion']

ArrayLike = Union[np.ndarray, torch.Tensor]


def _expand(feats: torch.Tensor, gallery: torch.Tensor, k: int, alpha: float,
            step: int, self_offset: Optional[int]) -> torch.Tensor:
    """Expand L2-normalised ``feats`` with their top-k gallery items."""
    out = torch.empty_like(feats)
    num_gallery = gallery.shape[0]
    for start in range(0, feats.shape[0], step):
        block = feats[start:start + step]
        sims = block @ gallery.t()
        if self_offset is not None:
            rows = torch.arange(block.shape[0], device=feats.device)
            sims[rows, rows + self_offset + start] = float('-inf')
        width = min(k, num_gallery - (self_offset is not None))
        if width > 0:
            top, index = torch.topk(sims, width, dim=1)
            weight = top.clamp(min=0).pow(alpha).unsqueeze(2)
            block = block + (weight * gallery[index]).sum(1)
        out[start:start + step] = F.normalize(block, dim=1)
    return out


def query_expansion(q_feats: ArrayLike,
                    g_feats: ArrayLike,
                    k: int = 5,
                    alpha: float = 3.0,
                    expand_gallery: bool = True,
                    chunk_size: Optional[int] = None
                    ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Alpha query expansion (Radenovic et al., TPAMI 2019).

    Features are L2-normalised; each query is replaced by the normalised sum
    of itself and its ``k`` most similar gallery features, each weighted by
    ``max(cos, 0) ** alpha``. With ``expand_gallery`` every gallery feature
    is expanded in the same way with its ``k`` most similar *other* gallery
    features (database-side augmentation), so both sides live in the same
    space; queries never see each other. Similarities are computed in
    chunks, so memory stays at ``chunk_size x G``. Ties at the k-th
    neighbour are broken arbitrarily.

    Args:
        q_feats (np.ndarray | torch.Tensor): ``(Q, D)`` query features.
        g_feats (np.ndarray | torch.Tensor): ``(G, D)`` gallery features.
        k (int): Neighbours added to each feature. Defaults to 5.
        alpha (float): Exponent of the similarity weights. Defaults to 3.
        expand_gallery (bool): Also expand the gallery. Defaults to True.
        chunk_size (int, optional): Rows per chunk.

    Returns:
        tuple[torch.Tensor, torch.Tensor]: Expanded, L2-normalised query and
        gallery features on the device of ``q_feats``.
    """
    query, gallery = as_feature_pair(q_feats, g_feats)
    if k < 0 or alpha < 0:
        raise ValueError(f'k and alpha must be >= 0, got {k} and {alpha}.')
    query, gallery = F.normalize(query, dim=1), F.normalize(gallery, dim=1)
    step = chunk_size or default_chunk_size(gallery.shape[0])
    new_query = _expand(query, gallery, k, alpha, step, None)
    if expand_gallery:
        gallery = _expand(gallery, gallery, k, alpha, step, 0)
    return new_query, gallery
