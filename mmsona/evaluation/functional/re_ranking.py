"""k-reciprocal re-ranking (Zhong et al., CVPR 2017) in bounded memory.

The paper's steps, on the joint set of the ``N = Q + G`` items, and where
:class:`KReciprocalReRanker` does each:

1. base distance ``d(p, g)``, divided by its row maximum (``__init__``);
2. ``N(p, k)``: the ``k + 1`` nearest items of ``p`` (``p`` itself, at
   distance 0, among them), by (distance, index) (:func:`_nearest`);
3. ``R(p, k1) = {g in N(p, k1) : p in N(g, k1)}``, the k-reciprocal
   neighbours (:func:`_reciprocal`);
4. ``R*(p, k1)``: ``R(p, k1)`` joined with every ``R(q, k1 / 2)``,
   ``q in R(p, k1)``, that shares more than 2/3 of its items with
   ``R(p, k1)`` (``_memberships``);
5. ``V[p, g] = exp(-d(p, g))`` for ``g in R*(p, k1)``, 0 elsewhere,
   normalised to sum 1: a Gaussian kernel on the distances, stored as a
   sparse row (``_memberships``);
6. local query expansion: ``V[p]`` replaced by the mean of ``V[q]`` over
   ``q in N(p, k2)`` (``_expand``);
7. Jaccard distance ``1 - sum(min(V[p], V[g])) / sum(max(V[p], V[g]))``
   (``jaccard``);
8. ``d*(p, g) = (1 - lambda) * jaccard + lambda * d(p, g)``
   (``__call__``).
"""
from typing import Optional, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F

from .distance import PairwiseDistance, _check_metric
from .inputs import as_feature_pair
from .rank_metrics import default_chunk_size

__all__ = ['KReciprocalReRanker', 're_ranking']

ArrayLike = Union[np.ndarray, torch.Tensor]
#: Pairs handled at once when gathering features or joining sparse rows.
PAIR_BUDGET = 2**22


def _nearest(dist: torch.Tensor, k: int) -> torch.Tensor:
    """The ``k`` nearest columns of each row, by (distance, index)."""
    values, index = torch.topk(dist, k, dim=1, largest=False, sorted=True)
    by_index = index.argsort(1)
    index, values = index.gather(1, by_index), values.gather(1, by_index)
    return index.gather(1, values.argsort(dim=1, stable=True))


def _reciprocal(neighbours: torch.Tensor, step: int) -> torch.Tensor:
    """Mask of the neighbours ``j`` of ``i`` that list ``i`` in turn."""
    num, width = neighbours.shape
    out = torch.empty((num, width), dtype=torch.bool, device=neighbours.device)
    step = max(1, step // max(width, 1))
    for start in range(0, num, step):
        rows = torch.arange(
            start, min(start + step, num), device=neighbours.device)
        back = neighbours[neighbours[rows]]
        out[rows] = (back == rows.view(-1, 1, 1)).any(-1)
    return out


def _segments(lengths: torch.Tensor,
              starts: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Owner and position of every element of concatenated ranges.

    Args:
        lengths (torch.Tensor): ``(E,)`` range lengths.
        starts (torch.Tensor): ``(E,)`` range starts.

    Returns:
        tuple[torch.Tensor, torch.Tensor]: For each of the ``sum(lengths)``
        elements, the index of its range and its absolute position.
    """
    owner = torch.repeat_interleave(
        torch.arange(lengths.numel(), device=lengths.device), lengths)
    first = lengths.cumsum(0) - lengths
    within = torch.arange(owner.numel(), device=lengths.device) - first[owner]
    return owner, starts[owner] + within


def _budget_splits(cost: torch.Tensor, budget: int) -> list:
    """Split row indices so each piece's summed cost stays near budget."""
    total = cost.cumsum(0)
    bounds, start = [0], 0
    while start < cost.numel():
        limit = (total[start - 1] if start else 0) + budget
        end = int(torch.searchsorted(total, limit, right=True))
        end = max(end, start + 1)
        bounds.append(min(end, cost.numel()))
        start = bounds[-1]
    return bounds


class KReciprocalReRanker:
    """k-reciprocal re-ranked distances, produced for query rows on demand.

    The algorithm of Zhong et al. (CVPR 2017) on the joint set of the
    ``N = Q + G`` query and gallery items. Its base distance is the squared
    Euclidean distance (``metric='euclidean'``) or ``1 - cos``
    (``metric='cosine'``, equal to half the squared Euclidean distance of
    L2-normalised features), divided by its row maximum. Every item's
    k-reciprocal neighbourhood (expanded with the half-size neighbourhoods
    of its members that overlap it by more than 2/3) is encoded as a sparse
    vector of Gaussian-weighted memberships, averaged over its ``k2``
    nearest items; the Jaccard distance of these vectors is blended with the
    base distance: ``(1 - lambda) * jaccard + lambda * base``.

    Nothing quadratic is stored: the ``N x N`` base distances are streamed
    once in row chunks to find neighbours and row maxima, and the sparse
    vectors hold ``O(N * k1 * k2)`` entries. Calling the object with
    ``(start, end)`` returns the re-ranked ``(end - start, G)`` rows, which
    :func:`evaluate_distance_rows` can rank directly.

    Ties in the neighbour lists are broken by item index; at the k-th
    neighbour the choice between equally distant items is arbitrary, as in
    the original.

    Args:
        q_feats (np.ndarray | torch.Tensor): ``(Q, D)`` query features.
        g_feats (np.ndarray | torch.Tensor): ``(G, D)`` gallery features.
        k1 (int): Size of the k-reciprocal neighbourhood. Defaults to 20.
        k2 (int): Neighbours averaged in the local query expansion.
            Defaults to 6.
        lambda_value (float): Weight of the base distance. Defaults to 0.3.
        metric (str): ``'euclidean'`` or ``'cosine'``.
        chunk_size (int, optional): Rows per chunk of the ``N x N`` pass.
            Defaults to ``default_chunk_size(N)``.
    """

    def __init__(self,
                 q_feats: ArrayLike,
                 g_feats: ArrayLike,
                 k1: int = 20,
                 k2: int = 6,
                 lambda_value: float = 0.3,
                 metric: str = 'euclidean',
                 chunk_size: Optional[int] = None) -> None:
        query, gallery = as_feature_pair(q_feats, g_feats)
        _check_metric(metric)
        if k1 < 1 or k2 < 1:
            raise ValueError(f'k1 and k2 must be >= 1, got {k1}, {k2}.')
        if not 0 <= lambda_value <= 1:
            raise ValueError(
                f'lambda_value must be in [0, 1], got {lambda_value}.')
        self.num_query, self.num_gallery = query.shape[0], gallery.shape[0]
        num = self.num_query + self.num_gallery
        self.k1, self.k2, self.lambda_value = k1, k2, lambda_value
        self.query = query
        if metric == 'cosine':
            query = F.normalize(query, dim=1)
            gallery = F.normalize(gallery, dim=1)
        feats = torch.cat([query, gallery])
        # Step 1: the base distance. 1 - cos = |a - b|^2 / 2 for unit
        # vectors: one code path, and the factor cancels in the row
        # normalisation below.
        self._base = PairwiseDistance(feats, 'euclidean', squared=True)
        self._base_gallery = PairwiseDistance(
            feats[self.num_query:], 'euclidean', squared=True)
        self._feats = feats
        self._query_feats = feats[:self.num_query]
        step = chunk_size or default_chunk_size(num)

        # Steps 1-2 in one pass over the N x N distances, in row chunks:
        # each row's maximum and its nearest items (enough for N(p, k1)
        # and N(p, k2)).
        width = min(max(k1 + 1, k2), num)
        self.row_max = feats.new_empty(num)
        neighbours = torch.empty((num, width),
                                 dtype=torch.long,
                                 device=feats.device)
        for start in range(0, num, step):
            dist = self._base(feats[start:start + step])
            self.row_max[start:start + step] = dist.amax(1)
            neighbours[start:start + step] = _nearest(dist, width)
            del dist
        self.row_max.clamp_(min=torch.finfo(feats.dtype).tiny)
        # Steps 3-5: the sparse rows V; step 6: their local expansion.
        crow, col, val = self._memberships(neighbours, step)
        if k2 != 1:
            crow, col, val = self._expand(neighbours[:, :k2], crow, col, val)
        self._crow, self._col, self._val = crow, col, val
        # For step 7: the gallery rows of V by column, to join query rows.
        self._build_inverted(crow, col, val)

    def _memberships(self, neighbours: torch.Tensor, step: int
                     ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Sparse rows ``V`` of the expanded k-reciprocal sets (CSR)."""
        num = neighbours.shape[0]
        device = neighbours.device
        # Step 3: N(p, k1) and N(p, k1 / 2), and which of their members are
        # reciprocal: R(p, k1) and R(p, k1 / 2) as masks.
        near = neighbours[:, :self.k1 + 1]
        half = neighbours[:, :int(round(self.k1 / 2)) + 1]
        near_ok = _reciprocal(near, step)
        half_ok = _reciprocal(half, step)
        k_near, k_half = near.shape[1], half.shape[1]
        row_step = max(1, PAIR_BUDGET // (k_near * k_half * k_near))
        counts, cols, vals = [], [], []
        for start in range(0, num, row_step):
            rows = torch.arange(
                start, min(start + row_step, num), device=device)
            # R(p, k1) of each row (-1 marks a non-member).
            members = near[rows].masked_fill(~near_ok[rows], -1)
            # Step 4: for each member q, R(q, k1 / 2), and how many of its
            # items are in R(p, k1); it joins when more than 2/3 are.
            cand_half = half[members.clamp(min=0)]
            cand_ok = half_ok[members.clamp(min=0)] \
                & near_ok[rows].unsqueeze(2)
            inside = (cand_half.unsqueeze(3) == members.view(-1, 1, 1,
                                                             k_near)).any(3)
            overlap = (inside & cand_ok).sum(2)
            take = overlap > 2 / 3 * cand_ok.sum(2)
            # R*(p, k1): the union, as sorted unique item indices (``num``
            # marks an empty slot).
            added = cand_half.masked_fill(~(cand_ok & take.unsqueeze(2)), num)
            pool = torch.cat(
                [members.masked_fill(members < 0, num),
                 added.flatten(1)], 1)
            pool = torch.sort(pool, dim=1).values
            keep = pool < num
            keep[:, 1:] &= pool[:, 1:] != pool[:, :-1]
            # Step 5: Gaussian-kernel weights exp(-d), normalised per row.
            owner, member = rows.unsqueeze(1).expand_as(pool)[keep], pool[keep]
            base = self._pair_distance(owner, member) / self.row_max[owner]
            weight = torch.exp(-base)
            per_row = keep.sum(1)
            norm = torch.zeros(
                rows.numel(), dtype=weight.dtype,
                device=device).index_add_(0, owner - start, weight)
            counts.append(per_row)
            cols.append(member)
            vals.append(weight / norm[owner - start])
        crow = F.pad(torch.cat(counts).cumsum(0), (1, 0))
        return crow, torch.cat(cols), torch.cat(vals)

    def _pair_distance(self, rows: torch.Tensor,
                       cols: torch.Tensor) -> torch.Tensor:
        """Base distances of the listed item pairs."""
        feats = self._feats
        sq_norm = self._base.gallery_sq
        out = feats.new_empty(rows.numel())
        step = max(1, PAIR_BUDGET // max(feats.shape[1], 1))
        for start in range(0, rows.numel(), step):
            r, c = rows[start:start + step], cols[start:start + step]
            dot = (feats[r] * feats[c]).sum(1)
            out[start:start + step] = (sq_norm[r] + sq_norm[c] -
                                       2 * dot).clamp_(min=0)
        return out

    def _expand(self, neighbours: torch.Tensor, crow: torch.Tensor,
                col: torch.Tensor, val: torch.Tensor
                ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Average each sparse row with those of its nearest items.

        Step 6: ``V[p] = mean of V[q] over q in N(p, k2)`` (``p`` itself,
        at distance 0, among them), summing the sparse rows entry by entry.
        """
        num, k2 = neighbours.shape
        device = neighbours.device
        lengths = crow[1:] - crow[:-1]
        cost = lengths[neighbours].sum(1)
        bounds = _budget_splits(cost, PAIR_BUDGET)
        counts, cols, vals = [], [], []
        for start, end in zip(bounds[:-1], bounds[1:]):
            src = neighbours[start:end].reshape(-1)
            owner, pos = _segments(lengths[src], crow[src])
            target = torch.div(owner, k2, rounding_mode='floor')
            key = target * num + col[pos]
            uniq, inverse = torch.unique(key, return_inverse=True)
            summed = torch.zeros(
                uniq.numel(), dtype=val.dtype,
                device=device).index_add_(0, inverse, val[pos])
            rows = torch.div(uniq, num, rounding_mode='floor')
            counts.append(torch.bincount(rows, minlength=end - start))
            cols.append(uniq - rows * num)
            vals.append(summed / k2)
        crow = F.pad(torch.cat(counts).cumsum(0), (1, 0))
        return crow, torch.cat(cols), torch.cat(vals)

    def _build_inverted(self, crow: torch.Tensor, col: torch.Tensor,
                        val: torch.Tensor) -> None:
        """Column-major copy of the gallery rows of ``V``."""
        num = crow.numel() - 1
        first = int(crow[self.num_query])
        rows = torch.repeat_interleave(
            torch.arange(self.num_query, num, device=col.device),
            crow[self.num_query + 1:] - crow[self.num_query:-1])
        g_col, g_val = col[first:], val[first:]
        order = torch.sort(g_col, stable=True).indices
        self._inv_row = rows[order] - self.num_query
        self._inv_val = g_val[order]
        self._inv_ptr = F.pad(
            torch.bincount(g_col, minlength=num).cumsum(0), (1, 0))

    def jaccard(self, start: int, end: int) -> torch.Tensor:
        """Jaccard distances of queries ``start:end`` to the gallery.

        Step 7. Every row of ``V`` sums to 1, so ``sum(max(V[p], V[g])) =
        2 - sum(min(V[p], V[g]))``: only the overlap ``sum(min(...))`` is
        needed, gathered over the columns where both rows are non-zero.
        """
        device = self._col.device
        num_rows = end - start
        overlap = torch.zeros(
            num_rows * self.num_gallery, dtype=self._val.dtype, device=device)
        lo, hi = int(self._crow[start]), int(self._crow[end])
        col, val = self._col[lo:hi], self._val[lo:hi]
        entry_row = torch.repeat_interleave(
            torch.arange(num_rows, device=device),
            self._crow[start + 1:end + 1] - self._crow[start:end])
        lengths = self._inv_ptr[col + 1] - self._inv_ptr[col]
        bounds = _budget_splits(lengths, PAIR_BUDGET)
        for a, b in zip(bounds[:-1], bounds[1:]):
            owner, pos = _segments(lengths[a:b], self._inv_ptr[col[a:b]])
            owner += a
            shared = torch.minimum(val[owner], self._inv_val[pos])
            overlap.index_add_(
                0, entry_row[owner] * self.num_gallery + self._inv_row[pos],
                shared)
        overlap = overlap.view(num_rows, self.num_gallery)
        return 1 - overlap / (2 - overlap)

    def __call__(self, start: int, end: int) -> torch.Tensor:
        """Re-ranked distances of queries ``start:end`` to the gallery.

        Args:
            start (int): First query.
            end (int): One past the last query.

        Returns:
            torch.Tensor: ``(end - start, G)`` distances.
        """
        # Step 8: the Jaccard distance blended with the base distance.
        base = self._base_gallery(self._query_feats[start:end])
        base /= self.row_max[start:end].unsqueeze(1)
        dist = self.jaccard(start, end).mul_(1 - self.lambda_value)
        return dist.add_(base, alpha=self.lambda_value)


def re_ranking(q_feats: ArrayLike,
               g_feats: ArrayLike,
               k1: int = 20,
               k2: int = 6,
               lambda_value: float = 0.3,
               metric: str = 'euclidean',
               chunk_size: Optional[int] = None) -> torch.Tensor:
    """k-reciprocal re-ranked query x gallery distance matrix.

    See :class:`KReciprocalReRanker`. The result is a dense ``(Q, G)``
    matrix; to evaluate large sets without it, pass the ranker itself to
    :func:`evaluate_distance_rows`.

    Args:
        q_feats (np.ndarray | torch.Tensor): ``(Q, D)`` query features.
        g_feats (np.ndarray | torch.Tensor): ``(G, D)`` gallery features.
        k1 (int): k-reciprocal neighbourhood size. Defaults to 20.
        k2 (int): Local query expansion size. Defaults to 6.
        lambda_value (float): Weight of the base distance. Defaults to 0.3.
        metric (str): ``'euclidean'`` or ``'cosine'``.
        chunk_size (int, optional): Rows per chunk.

    Returns:
        torch.Tensor: ``(Q, G)`` re-ranked distances.
    """
    ranker = KReciprocalReRanker(q_feats, g_feats, k1, k2, lambda_value,
                                 metric, chunk_size)
    step = chunk_size or default_chunk_size(ranker.num_gallery)
    return torch.cat([
        ranker(start, min(start + step, ranker.num_query))
        for start in range(0, ranker.num_query, step)
    ]) if ranker.num_query else ranker.query.new_zeros((0, ranker.num_gallery))
