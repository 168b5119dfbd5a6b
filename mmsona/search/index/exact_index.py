"""Exact k-nearest-neighbour search in PyTorch, in bounded memory."""
from typing import Optional, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F

from .base_index import BaseIndex

__all__ = ['ExactIndex']

#: Distance entries computed at once (query rows x gallery columns).
DEFAULT_BLOCK_ELEMENTS = 2**24
#: Gallery rows moved to the device or normalised at a time.
ADD_ROWS = 65536


class ExactIndex(BaseIndex):
    """Brute-force top-k over the whole gallery, block by block.

    Distances are computed for blocks of at most ``block_elements`` query x
    gallery pairs (64 MB of float32 by default) and merged into a running
    top-k, so memory stays ``O(G * D + block_elements + Q * k)`` for any
    gallery size. The gallery lives on ``device`` (CPU or GPU) in float32.
    Results are sorted by distance, ties by gallery index.

    Args:
        metric (str): ``'euclidean'`` or ``'cosine'``.
        device (str | torch.device): Where distances are computed. Defaults
            to 'cpu'.
        block_elements (int): Pairs per distance block. Defaults to
            ``2**24``.
    """

    def __init__(self,
                 metric: str = 'euclidean',
                 device: Union[str, torch.device] = 'cpu',
                 block_elements: int = DEFAULT_BLOCK_ELEMENTS) -> None:
        super().__init__(metric)
        if block_elements < 1:
            raise ValueError(
                f'block_elements must be >= 1, got {block_elements}.')
        self.device = torch.device(device)
        self.block_elements = int(block_elements)
        self.gallery: Optional[torch.Tensor] = None
        self.gallery_sq: Optional[torch.Tensor] = None

    @property
    def ntotal(self) -> int:
        return 0 if self.gallery is None else int(self.gallery.shape[0])

    def _prepare(self, features: Union[np.ndarray,
                                       torch.Tensor]) -> torch.Tensor:
        """Features as float32 on the device, unit length for cosine."""
        if not isinstance(features, torch.Tensor):
            # A copy: cached features are read-only memory maps.
            features = torch.from_numpy(np.array(features, np.float32))
        feats = features.to(self.device, torch.float32)
        if feats.dim() != 2:
            raise ValueError(
                f'Expected (N, D) features, got shape {tuple(feats.shape)}.')
        if self.metric == 'cosine':
            feats = F.normalize(feats, dim=1)
        return feats

    def add(self, features: np.ndarray) -> None:
        if len(features.shape) != 2:
            raise ValueError(
                f'Expected (G, D) features, got shape {features.shape}.')
        # Filled block by block: one copy of the gallery, never two.
        self.gallery = torch.empty(tuple(features.shape), device=self.device)
        for start in range(0, len(features), ADD_ROWS):
            self.gallery[start:start +
                         ADD_ROWS] = self._prepare(features[start:start +
                                                            ADD_ROWS])
        self.gallery_sq = self.gallery.pow(2).sum(1)

    def _block_distance(self, query: torch.Tensor, q_sq: torch.Tensor,
                        start: int, end: int) -> torch.Tensor:
        """Squared L2 (or ``1 - cos``) of a query block to gallery rows."""
        gallery = self.gallery[start:end]
        if self.metric == 'cosine':
            return torch.addmm(
                torch.ones(1, device=self.device),
                query,
                gallery.t(),
                alpha=-1).clamp_min_(0)
        dist = torch.addmm(
            self.gallery_sq[start:end].unsqueeze(0),
            query,
            gallery.t(),
            alpha=-2)
        return dist.add_(q_sq.unsqueeze(1)).clamp_min_(0)

    def _refine(self, query: torch.Tensor,
                index: torch.Tensor) -> torch.Tensor:
        """L2 distances of the found pairs, from their differences.

        The expansion ``|q|^2 + |g|^2 - 2 q.g`` that ranks whole blocks
        loses precision for close pairs (a copy of a gallery image would
        be about 1e-3 away); the ``Q x k`` winners are cheap to redo.
        """
        k, dim = index.shape[1], self.gallery.shape[1]
        rows = max(1, self.block_elements // max(k * dim, 1))
        out = torch.empty(index.shape, device=self.device)
        for start in range(0, query.shape[0], rows):
            diff = query[start:start +
                         rows].unsqueeze(1) - self.gallery[index[start:start +
                                                                 rows]]
            out[start:start + rows] = diff.norm(dim=2)
        return out

    @torch.no_grad()
    def search(self, queries: np.ndarray,
               k: int) -> Tuple[np.ndarray, np.ndarray]:
        if self.gallery is None:
            raise RuntimeError('Call add() before search().')
        query = self._prepare(queries)
        num_q, num_g = query.shape[0], self.ntotal
        k = max(0, min(int(k), num_g))
        out_d = np.empty((num_q, k), np.float32)
        out_i = np.empty((num_q, k), np.int64)
        if k == 0 or num_q == 0:
            return out_d, out_i
        q_rows = max(1, min(num_q, 1024, self.block_elements // k))
        g_cols = max(k, self.block_elements // q_rows)
        for qs in range(0, num_q, q_rows):
            block = query[qs:qs + q_rows]
            q_sq = block.pow(2).sum(1)
            best_d = block.new_full((block.shape[0], 0), float('inf'))
            best_i = torch.empty((block.shape[0], 0),
                                 dtype=torch.long,
                                 device=self.device)
            for gs in range(0, num_g, g_cols):
                ge = min(gs + g_cols, num_g)
                dist = self._block_distance(block, q_sq, gs, ge)
                vals, idx = torch.topk(
                    dist, min(k, ge - gs), dim=1, largest=False)
                cand_d = torch.cat([best_d, vals], 1)
                cand_i = torch.cat([best_i, idx + gs], 1)
                keep = torch.topk(
                    cand_d, min(k, cand_d.shape[1]), dim=1,
                    largest=False).indices
                best_d, best_i = cand_d.gather(1, keep), cand_i.gather(1, keep)
            if self.metric == 'euclidean':
                best_d = self._refine(block, best_i)
            # Sort by (distance, index): order by index, then stably by
            # distance.
            by_index = best_i.argsort(1)
            best_d, best_i = best_d.gather(1, by_index), best_i.gather(
                1, by_index)
            order = best_d.argsort(dim=1, stable=True)
            best_d, best_i = best_d.gather(1, order), best_i.gather(1, order)
            out_d[qs:qs + q_rows] = best_d.cpu().numpy()
            out_i[qs:qs + q_rows] = best_i.cpu().numpy()
        return out_d, out_i

    def params(self) -> dict:
        return dict(type='exact', metric=self.metric)
