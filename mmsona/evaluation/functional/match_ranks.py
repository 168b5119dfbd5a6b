"""Ranks of the true matches of a block of queries, without sorting rows.

The rank of a match is the number of valid gallery items ranked before it
(by distance, then gallery index), and CMC, AP and INP need nothing else:
AP is the mean of ``(j + 1) / (rank_j + 1)`` over the sorted matches ``j``.
Instead of sorting each row of ``G`` distances, :func:`positive_ranks`
sorts only the matches of each query (a few per identity) and counts, for
each match, the items that precede it:

1. look up each query's identity in the gallery: its matches (other
   cameras) and the items the protocol ignores (same camera), plus junk;
2. sort the matches of each row by (distance, index) (:class:`_Positives`);
3. only items no farther than a row's farthest match can precede one of
   them (the candidates);
4. count the candidates before each match, by one binary search each
   (:func:`_count_preceding`), or, when they are many, with a histogram
   over distance bins that leaves only the items sharing a bin with a
   match to the search (:func:`_binned_ranks`).

:func:`~mmsona.evaluation.functional.reference.reference_evaluate` gives
the same numbers by sorting every row.
"""
from typing import Optional, Tuple

import torch
import torch.nn.functional as F

from .gallery_index import GalleryIndex

__all__ = ['positive_ranks', 'preceding_negatives']

#: Histogram bins per row used when many items precede the last match.
NUM_BINS = 4096
#: Above this fraction of candidates per block, bin them first.
DENSE_FRACTION = 0.08


class _Positives:
    """The valid matches of a block, per row, in ranked order."""

    def __init__(self, dist: torch.Tensor, gidx: torch.Tensor,
                 positive: torch.Tensor) -> None:
        self.num_pos = positive.sum(1)
        width = int(self.num_pos.max())
        # Sort the identity group of each row by distance; ``gidx`` is
        # ascending, so the stable sort breaks ties by gallery index.
        group_dist = dist.gather(1, gidx)
        order = torch.sort(group_dist, dim=1, stable=True).indices
        # Move the non-matches (same camera, padding) behind the matches,
        # keeping the matches' order, and keep ``width`` columns.
        is_pad = (~positive.gather(1, order)).to(torch.int8)
        order = order.gather(1,
                             torch.sort(is_pad, dim=1,
                                        stable=True).indices)[:, :width]
        #: ``(B, P)`` distances and gallery indices, sorted by (distance,
        #: index) along each row; ``valid`` marks real entries.
        self.dist = group_dist.gather(1, order)
        self.gidx = gidx.gather(1, order)
        self.valid = torch.arange(
            width, device=dist.device) < self.num_pos.unsqueeze(1)

    @classmethod
    def from_sorted(cls, dist: torch.Tensor, keys: torch.Tensor,
                    num_pos: torch.Tensor) -> '_Positives':
        """Matches already sorted by (distance, key) along each row.

        Args:
            dist (torch.Tensor): ``(B, P)`` distances; entries past a row's
                count are padding.
            keys (torch.Tensor): ``(B, P)`` int64 tie-break keys (gallery
                indices, or positions in a larger gallery).
            num_pos (torch.Tensor): ``(B,)`` number of real entries.

        Returns:
            _Positives: The matches.
        """
        pos = cls.__new__(cls)
        pos.num_pos = num_pos
        pos.dist = dist
        pos.gidx = keys
        pos.valid = torch.arange(
            dist.shape[1], device=dist.device) < num_pos.unsqueeze(1)
        return pos


def _count_preceding(rows: torch.Tensor, cols: torch.Tensor,
                     values: torch.Tensor, pos: _Positives,
                     num_gallery: int) -> torch.Tensor:
    """For every positive, count the given items that precede it.

    Item ``(row, col)`` with distance ``value`` precedes positive ``i`` of
    the same row iff ``(value, col) < (dist_i, gidx_i)``. Each item is
    placed by one binary search among the sorted positives of all rows,
    using integer keys ordered by (row, distance, gallery index); the
    distance enters as its position among the distinct positive distances
    (``2j + 1`` when equal to the j-th, ``2j`` when just below it), so every
    comparison is exact whatever the float dtype.

    Returns:
        torch.Tensor: ``(B, P)`` int64 counts.
    """
    num_rows, width = pos.dist.shape
    device = pos.dist.device
    row_ids = torch.arange(num_rows, device=device)
    # 1. One sorted key per positive: (row, distance level, gallery index).
    thr_dist = pos.dist[pos.valid]
    thr_row = row_ids.unsqueeze(1).expand(-1, width)[pos.valid]
    levels = torch.unique(thr_dist)
    span = 2 * levels.numel() + 2
    if num_rows * span * num_gallery >= 2**62:
        raise ValueError('Query block too large for exact ranking keys; '
                         'use a smaller chunk_size.')
    thr_key = (thr_row * span + 2 * torch.searchsorted(levels, thr_dist) +
               1) * num_gallery + pos.gidx[pos.valid]
    # 2. The same key for every item: an item between two levels gets the
    # even slot below the next level, one equal to a level its odd slot.
    slot = torch.searchsorted(levels, values)
    equal = levels[slot.clamp(max=levels.numel() - 1)] == values
    key = (rows * span + 2 * slot + equal) * num_gallery + cols
    del slot, equal
    # Item c precedes the positives at sorted positions >= b(c), b(c) being
    # the number of its row's positives with a key <= its own. Row r owns
    # histogram bins [start_r + r, start_r + r + num_pos_r].
    # 3. Place each item among the positives' keys and count per slot; the
    # cumulative count at positive i is the number of items before it.
    bins = torch.searchsorted(thr_key, key, right=True) + rows
    del key
    total = thr_key.numel() + num_rows
    cumulative = F.pad(torch.bincount(bins, minlength=total).cumsum(0), (1, 0))
    seg_start = F.pad(pos.num_pos.cumsum(0), (1, 0))[:-1] + row_ids
    index = seg_start.unsqueeze(1) + 1 + torch.arange(width, device=device)
    return cumulative[index.clamp_(
        max=total)] - cumulative[seg_start].unsqueeze(1)


def _flat_items(mask: torch.Tensor, dist: torch.Tensor
                ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Rows, columns and distances of the True entries of ``mask``."""
    num_gallery = mask.shape[1]
    flat = torch.nonzero(mask.view(-1)).squeeze(1)
    rows = torch.div(flat, num_gallery, rounding_mode='floor')
    return rows, flat - rows * num_gallery, dist.view(-1)[flat]


def _binned_ranks(dist: torch.Tensor,
                  pos: _Positives,
                  gallery: GalleryIndex,
                  ign_row: torch.Tensor,
                  ign_col: torch.Tensor,
                  col_keys: Optional[torch.Tensor] = None,
                  key_space: Optional[int] = None) -> torch.Tensor:
    """Ranks when candidates are many: a per-row histogram does the bulk.

    Each row's distances are mapped to bins ``0..NUM_BINS`` by a monotone
    (non-decreasing) function whose resolution spans the row's positives:
    bin 2 holds the nearest positive and bin ``NUM_BINS`` the farthest
    (when they differ; otherwise the span starts at the row's smallest
    distance). Nearer items saturate at bin 0, farther ones at
    ``NUM_BINS + 1``, where excluded items are also moved; the latter never
    precede a positive. An item in a lower bin than a positive precedes it;
    the few items sharing a bin with some positive of their row are resolved
    exactly by :func:`_count_preceding`. Column ``c`` is compared with the
    positives by ``col_keys[c]`` (by ``c`` itself when None), keys lying in
    ``[0, key_space)``.
    """
    num_rows, num_gallery = dist.shape
    device = dist.device
    top = NUM_BINS + 1
    # 1. A linear map per row from distance to bin, spanning its positives.
    last = (pos.num_pos - 1).clamp(min=0).unsqueeze(1)
    nearest, high = pos.dist[:, :1], pos.dist.gather(1, last)
    spread = high - nearest
    low = torch.where(spread > 0, nearest - spread * (2 / (NUM_BINS - 2)),
                      dist.amin(1, keepdim=True))
    scale = NUM_BINS / (high - low)
    scale = torch.where(
        torch.isfinite(scale) & (scale > 0), scale, torch.zeros_like(scale))
    # NaN comes only from inf * 0 (a zero scale: one distance level, or an
    # infinite bound, with an infinite distance) or inf - inf (an infinite
    # low, whose scale is zero too).
    finite = bool((scale > 0).all())

    def to_bins(values: torch.Tensor) -> torch.Tensor:
        # Subtract first: ``values * scale - low * scale`` cancels, by many
        # bins, when the distances are large next to their spread.
        scaled = (values - low).mul_(scale)
        if not finite:
            scaled.nan_to_num_(nan=0.0, posinf=top, neginf=0.0)
        return scaled.clamp_(0, top).int()

    # 2. Bin every item; ignored ones go to the last bin, after every
    # positive. Rows get disjoint bin ranges, so one bincount does all.
    bins = to_bins(dist)
    if gallery.junk.numel():
        bins.index_fill_(1, gallery.junk, top)
    bins[ign_row, ign_col] = top
    pos_bins = to_bins(pos.dist).masked_fill_(~pos.valid, top)
    row_offset = torch.arange(
        0, num_rows * (top + 1), top + 1, dtype=torch.int32,
        device=device).unsqueeze(1)
    bins += row_offset
    pos_bins += row_offset
    # 3. Items in a bin of their own row's positive are ranked exactly;
    # the others are counted by the histogram.
    hist = torch.bincount(bins.view(-1), minlength=num_rows * (top + 1))
    shared = torch.zeros_like(hist, dtype=torch.bool)
    shared[pos_bins.long()] = True
    shared.view(num_rows, top + 1)[:, top] = False
    exact = shared.index_select(0, bins.view(-1)).view(num_rows, num_gallery)
    del bins
    rows, cols, values = _flat_items(exact, dist)
    del exact
    if col_keys is not None:
        cols = col_keys[cols]
    # 4. Items in lower bins precede a positive; add the exact counts.
    hist.masked_fill_(shared, 0)
    before = hist.cumsum(0) - hist
    below = before[pos_bins.long()] - before[row_offset.long()]
    return below + _count_preceding(rows, cols, values, pos, key_space
                                    or num_gallery)


def positive_ranks(dist: torch.Tensor, q_pids: torch.Tensor,
                   q_camids: torch.Tensor,
                   gallery: GalleryIndex) -> Tuple[torch.Tensor, torch.Tensor]:
    """0-based ranks of every valid match of a block of queries.

    The ranked list of a query is its gallery ordered by ascending distance,
    ties broken by ascending gallery index (a stable order), after removing
    the items the Market protocol ignores: junk (pid ``-1``) and items with
    the query's pid *and* camera. Positives are the remaining items with the
    query's pid; the rank of a positive is the number of valid items before
    it.

    Rows are never sorted. Only the valid items no farther than a query's
    farthest positive (the candidates) can precede a positive. When they are
    few (a good model), each is located among the sorted positives of its
    row by a binary search; when they are many, a per-row histogram over
    distance bins counts most of them and only those sharing a bin with a
    positive are located. Extra memory is a few bytes per distance of the
    block.

    Args:
        dist (torch.Tensor): ``(B, G)`` distances of the block (no NaN).
        q_pids (torch.Tensor): ``(B,)`` query pids.
        q_camids (torch.Tensor): ``(B,)`` query camera ids.
        gallery (GalleryIndex): The gallery ids.

    Returns:
        tuple[torch.Tensor, torch.Tensor]: ``ranks`` ``(B, P)`` (int64,
        ascending along each row; entries past a row's count are
        meaningless) and ``num_pos`` ``(B,)``, the number of valid matches.
    """
    num_rows, num_gallery = dist.shape
    # 1. Each query's identity group: matches in other cameras, and the
    # same-camera items the protocol ignores.
    gidx, in_group = gallery.lookup(q_pids)
    same_cam = gallery.camids[gidx] == q_camids.unsqueeze(1)
    positive = in_group & ~same_cam
    num_pos = positive.sum(1)
    if num_rows == 0 or int(num_pos.max()) == 0:
        return num_pos.new_zeros((num_rows, 0)), num_pos

    # 2. The matches of each row, sorted by (distance, gallery index).
    dist = dist.contiguous()
    pos = _Positives(dist, gidx, positive)
    # 3. Candidates: items no farther than the row's farthest match.
    farthest = pos.dist.gather(1, (num_pos - 1).clamp(min=0).unsqueeze(1))
    cand = dist <= farthest
    ign_row, ign_slot = torch.nonzero(in_group & same_cam, as_tuple=True)
    ign_col = gidx[ign_row, ign_slot]
    # 4a. Many candidates (a weak model): count them with a histogram.
    if int(torch.count_nonzero(cand)) > DENSE_FRACTION * cand.numel():
        del cand
        ranks = _binned_ranks(dist, pos, gallery, ign_row, ign_col)
        return ranks, num_pos

    # 4b. Few candidates: drop rows without matches, junk and ignored
    # items, then place each remaining one among its row's matches.
    rows, cols, values = _candidate_items(cand, dist, num_pos, gallery,
                                          ign_row, ign_col)
    del cand
    return _count_preceding(rows, cols, values, pos, num_gallery), num_pos


def preceding_negatives(dist: torch.Tensor, q_pids: torch.Tensor,
                        gallery: GalleryIndex, matches_dist: torch.Tensor,
                        matches_key: torch.Tensor, num_pos: torch.Tensor,
                        col_keys: torch.Tensor,
                        key_space: int) -> torch.Tensor:
    """Count, for given matches, the items of one gallery part before them.

    The building block of an evaluation whose gallery is split into parts
    (see :mod:`~mmsona.evaluation.functional.sharded`): the matches of each
    query come from every part, sorted by (distance, key), and this part
    counts its valid non-matches (neither junk nor of the query's identity)
    that rank before each of them. Item ``c`` of this part ranks before a
    match ``(d, k)`` iff ``(dist[:, c], col_keys[c]) < (d, k)``; summed over
    the parts, the counts plus a match's position among the sorted matches
    give its rank in the whole gallery, exactly as :func:`positive_ranks`.
    The same two counting paths as :func:`positive_ranks` are used.

    Args:
        dist (torch.Tensor): ``(B, g)`` distances to this part (no NaN).
        q_pids (torch.Tensor): ``(B,)`` query pids.
        gallery (GalleryIndex): The ids of this part.
        matches_dist (torch.Tensor): ``(B, P)`` distances of the matches of
            each query over all parts, sorted by (distance, key).
        matches_key (torch.Tensor): ``(B, P)`` their int64 keys.
        num_pos (torch.Tensor): ``(B,)`` number of matches of each query.
        col_keys (torch.Tensor): ``(g,)`` int64 keys of this part's items,
            ascending.
        key_space (int): Every key is in ``[0, key_space)``.

    Returns:
        torch.Tensor: ``(B, P)`` int64 counts (entries past a row's count
        are meaningless).
    """
    num_rows, width = matches_dist.shape
    if num_rows == 0 or width == 0 or int(num_pos.max()) == 0 \
            or dist.shape[1] == 0:
        return torch.zeros((num_rows, width),
                           dtype=torch.long,
                           device=dist.device)
    dist = dist.contiguous()
    pos = _Positives.from_sorted(
        matches_dist.to(dist.dtype), matches_key, num_pos)
    # 1. Everything of the query's identity is excluded: its matches in
    # this part are among the sorted matches, the rest is ignored.
    gidx, in_group = gallery.lookup(q_pids)
    ign_row, ign_slot = torch.nonzero(in_group, as_tuple=True)
    ign_col = gidx[ign_row, ign_slot]
    farthest = pos.dist.gather(1, (num_pos - 1).clamp(min=0).unsqueeze(1))
    cand = dist <= farthest
    # 2a. Many candidates: the histogram path.
    if int(torch.count_nonzero(cand)) > DENSE_FRACTION * cand.numel():
        del cand
        return _binned_ranks(dist, pos, gallery, ign_row, ign_col, col_keys,
                             key_space)
    # 2b. Few candidates: one binary search each.
    rows, cols, values = _candidate_items(cand, dist, num_pos, gallery,
                                          ign_row, ign_col)
    del cand
    return _count_preceding(rows, col_keys[cols], values, pos, key_space)


def _candidate_items(cand: torch.Tensor, dist: torch.Tensor,
                     num_pos: torch.Tensor, gallery: 'GalleryIndex',
                     ign_row: torch.Tensor, ign_col: torch.Tensor) -> tuple:
    """Candidates left after dropping rows without matches, junk and
    ignored items, as flat (row, column, distance) arrays.

    Args:
        cand (Tensor): Boolean candidate mask (changed in place).
        dist (Tensor): Distances of the chunk.
        num_pos (Tensor): Matches per row.
        gallery (GalleryIndex): Gallery labels and junk columns.
        ign_row, ign_col (Tensor): Same-id same-camera items to ignore.

    Returns:
        tuple[Tensor, Tensor, Tensor]: Rows, columns and distances.
    """
    empty_rows = torch.nonzero(num_pos == 0).squeeze(1)
    if empty_rows.numel():
        cand[empty_rows] = False
    if gallery.junk.numel():
        cand.index_fill_(1, gallery.junk, False)
    cand[ign_row, ign_col] = False
    return _flat_items(cand, dist)
