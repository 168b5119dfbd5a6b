"""Rank metrics of a gallery split into parts, merged exactly.

The rank of a match is the number of valid gallery items before it in the
order (distance, gallery index). With the gallery split into parts (one per
process), that number is a sum over the parts, so the metrics can be
computed without ever holding the whole gallery in one place:

1. every part finds, for every query, its own matches (same pid, another
   camera) sorted by (distance, key), ``key`` being the item's position in
   the whole gallery (:func:`shard_matches`);
2. the matches of all parts are merged into one sorted list per query
   (:func:`merge_matches`), a few entries per query;
3. every part counts, for each merged match, its valid non-matches (neither
   junk nor of the query's identity) that come before it
   (:func:`shard_preceding_counts`);
4. the counts are summed over the parts; a match's rank is that sum plus
   its position among the sorted matches, from which CMC, AP and INP follow
   (:func:`summarise_shards`).

Every comparison is the one the single-process evaluator makes (same
distance values, ties broken by gallery position), so the numbers are
exactly those of :func:`~mmsona.evaluation.functional.evaluate_features`
on the whole gallery. :func:`evaluate_sharded` runs the four steps on parts
held by one process; :func:`evaluate_gallery_shard` runs them across the
processes of ``torch.distributed``, each holding its part.
"""
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F

from .distance import PairwiseDistance
from .gallery_index import GalleryIndex
from .inputs import RankingOptions
from .match_ranks import _Positives, preceding_negatives
from .rank_metrics import RankAccumulator, Summary, default_chunk_size

__all__ = [
    'SortedMatches', 'GalleryShard', 'shard_matches', 'merge_matches',
    'shard_preceding_counts', 'summarise_shards', 'evaluate_sharded',
    'evaluate_gallery_shard'
]

ArrayLike = Union[np.ndarray, torch.Tensor]


@dataclass
class SortedMatches:
    """The matches of every query, sorted by (distance, key) along rows.

    Args:
        dist (torch.Tensor): ``(Q, P)`` distances; entries past a row's
            count are padding (0).
        keys (torch.Tensor): ``(Q, P)`` int64 gallery positions.
        num_pos (torch.Tensor): ``(Q,)`` int64 number of matches.
    """

    dist: torch.Tensor
    keys: torch.Tensor
    num_pos: torch.Tensor

    @property
    def width(self) -> int:
        """int: Number of columns ``P``."""
        return int(self.dist.shape[1])


@dataclass
class GalleryShard:
    """One part of the gallery.

    Args:
        feats (torch.Tensor): ``(g, D)`` features.
        pids (torch.Tensor): ``(g,)`` person ids.
        camids (torch.Tensor): ``(g,)`` camera ids.
        keys (torch.Tensor): ``(g,)`` int64 positions of the items in the
            whole gallery (any strictly increasing numbers that order the
            gallery as the single-process evaluator does), ascending.
    """

    feats: torch.Tensor
    pids: torch.Tensor
    camids: torch.Tensor
    keys: torch.Tensor

    def __post_init__(self) -> None:
        device = self.feats.device
        self.pids = torch.as_tensor(self.pids, device=device).long()
        self.camids = torch.as_tensor(self.camids, device=device).long()
        self.keys = torch.as_tensor(self.keys, device=device).long()
        descending = self.keys[1:] <= self.keys[:-1]
        if bool(descending.any()):
            raise ValueError('GalleryShard keys must be strictly ascending.')


def _pad_columns(tensor: torch.Tensor, width: int) -> torch.Tensor:
    return F.pad(tensor, (0, width - tensor.shape[1]))


def shard_matches(q_feats: torch.Tensor,
                  q_pids: torch.Tensor,
                  q_camids: torch.Tensor,
                  shard: GalleryShard,
                  metric: str = 'euclidean',
                  chunk_size: Optional[int] = None) -> SortedMatches:
    """Step 1: the matches of every query in one gallery part.

    Args:
        q_feats (torch.Tensor): ``(Q, D)`` query features (all queries).
        q_pids, q_camids (torch.Tensor): ``(Q,)`` query ids.
        shard (GalleryShard): This part.
        metric (str): ``'euclidean'`` or ``'cosine'``.
        chunk_size (int, optional): Queries per block of distances.

    Returns:
        SortedMatches: This part's matches of every query.
    """
    gallery = GalleryIndex(shard.pids, shard.camids)
    dist_fn = PairwiseDistance(shard.feats.to(q_feats.dtype), metric)
    step = chunk_size or default_chunk_size(len(shard.pids))
    dists, keys, counts = [], [], []
    for start in range(0, q_feats.shape[0], step):
        end = min(start + step, q_feats.shape[0])
        gidx, in_group = gallery.lookup(q_pids[start:end])
        same_cam = gallery.camids[gidx] == q_camids[start:end].unsqueeze(1)
        positive = in_group & ~same_cam
        num_pos = positive.sum(1)
        counts.append(num_pos)
        if int(num_pos.max()) == 0:
            dists.append(q_feats.new_zeros((end - start, 0)))
            keys.append(num_pos.new_zeros((end - start, 0)))
            continue
        pos = _Positives(dist_fn(q_feats[start:end]), gidx, positive)
        dists.append(pos.dist.masked_fill(~pos.valid, 0))
        keys.append(shard.keys[pos.gidx].masked_fill(~pos.valid, 0))
    width = max([d.shape[1] for d in dists] + [0])
    return SortedMatches(
        torch.cat([_pad_columns(d, width) for d in dists]),
        torch.cat([_pad_columns(k, width) for k in keys]), torch.cat(counts))


def merge_matches(parts: Sequence[SortedMatches]) -> SortedMatches:
    """Step 2: one sorted list of matches per query from all parts.

    Args:
        parts (Sequence[SortedMatches]): The matches of every part, for the
            same queries.

    Returns:
        SortedMatches: Sorted by (distance, key) along each row.
    """
    dist = torch.cat([p.dist for p in parts], 1)
    keys = torch.cat([p.keys for p in parts], 1)
    valid = torch.cat([
        torch.arange(p.width, device=p.dist.device) < p.num_pos.unsqueeze(1)
        for p in parts
    ], 1)
    num_pos = torch.stack([p.num_pos for p in parts]).sum(0)
    width = int(num_pos.max()) if num_pos.numel() else 0
    # Lexicographic order (invalid last, distance, key) by stable sorts
    # from the last criterion to the first.
    order = torch.sort(keys, dim=1, stable=True).indices
    order = order.gather(
        1,
        torch.sort(dist.gather(1, order), dim=1, stable=True).indices)
    order = order.gather(
        1,
        torch.sort(
            (~valid.gather(1, order)).to(torch.int8), dim=1,
            stable=True).indices)[:, :width]
    return SortedMatches(dist.gather(1, order), keys.gather(1, order), num_pos)


def shard_preceding_counts(q_feats: torch.Tensor,
                           q_pids: torch.Tensor,
                           shard: GalleryShard,
                           matches: SortedMatches,
                           key_space: int,
                           metric: str = 'euclidean',
                           chunk_size: Optional[int] = None) -> torch.Tensor:
    """Step 3: this part's valid non-matches before each merged match.

    Args:
        q_feats (torch.Tensor): ``(Q, D)`` query features (all queries).
        q_pids (torch.Tensor): ``(Q,)`` query pids.
        shard (GalleryShard): This part.
        matches (SortedMatches): The merged matches (:func:`merge_matches`).
        key_space (int): Every key of every part is in ``[0, key_space)``.
        metric (str): ``'euclidean'`` or ``'cosine'``.
        chunk_size (int, optional): Queries per block of distances; use the
            value of :func:`shard_matches` so that every distance is the
            one it computed.

    Returns:
        torch.Tensor: ``(Q, P)`` int64 counts.
    """
    gallery = GalleryIndex(shard.pids, shard.camids)
    dist_fn = PairwiseDistance(shard.feats.to(q_feats.dtype), metric)
    step = chunk_size or default_chunk_size(len(shard.pids))
    num_query = q_feats.shape[0]
    out = matches.keys.new_zeros((num_query, matches.width))
    for start in range(0, num_query, step):
        end = min(start + step, num_query)
        num_pos = matches.num_pos[start:end]
        if matches.width == 0 or int(num_pos.max()) == 0:
            continue
        out[start:end] = preceding_negatives(
            dist_fn(q_feats[start:end]), q_pids[start:end], gallery,
            matches.dist[start:end], matches.keys[start:end], num_pos,
            shard.keys, key_space)
    return out


def summarise_shards(matches: SortedMatches,
                     preceding: torch.Tensor,
                     max_rank: int = 50,
                     ap_mode: str = 'mean',
                     chunk_rows: Optional[int] = None) -> Summary:
    """Step 4: CMC, mAP and mINP from the summed counts.

    Args:
        matches (SortedMatches): The merged matches.
        preceding (torch.Tensor): ``(Q, P)`` counts summed over the parts.
        max_rank (int): Length of the CMC curve. Defaults to 50.
        ap_mode (str): ``'mean'`` or ``'trapezoid'``. Defaults to
            ``'mean'``.
        chunk_rows (int, optional): Add the queries to the sums this many
            at a time; with the query chunks of the single-process
            evaluator (``chunk_size`` or ``default_chunk_size(G)``) the
            floating-point sums are the same too. Defaults to all at once.

    Returns:
        dict: ``cmc``, ``mAP``, ``mINP`` and ``num_valid_queries`` as in
        :func:`~mmsona.evaluation.functional.evaluate_features`.
    """
    num_query = int(matches.num_pos.numel())
    acc = RankAccumulator(max_rank, preceding.device, ap_mode)
    if matches.width:
        ranks = preceding + torch.arange(
            matches.width, device=preceding.device)
        step = chunk_rows or max(num_query, 1)
        for start in range(0, num_query, step):
            num_pos = matches.num_pos[start:start + step]
            # The chunk's own width, as in the single-process evaluator
            # (a row sum over extra zero columns may round differently).
            width = int(num_pos.max())
            acc.update(ranks[start:start + step, :width], num_pos)
    return acc.summary(num_query)


def _check_options(options: RankingOptions) -> None:
    if options.protocol != 'market':
        raise ValueError('Sharded evaluation supports the Market protocol '
                         "only, not protocol='cuhk03' (its single-shot CMC "
                         'samples the whole gallery).')


def evaluate_sharded(q_feats: torch.Tensor,
                     q_pids: ArrayLike,
                     q_camids: ArrayLike,
                     shards: Sequence[GalleryShard],
                     metric: str = 'euclidean',
                     max_rank: int = 50,
                     chunk_size: Optional[int] = None,
                     ap_mode: str = 'mean') -> Summary:
    """The metrics of a gallery given as parts, all in this process.

    Equals :func:`~mmsona.evaluation.functional.evaluate_features` on the
    parts' items ordered by key; the reference for
    :func:`evaluate_gallery_shard`, which runs the same steps with one part
    per process.

    Args:
        q_feats (torch.Tensor): ``(Q, D)`` query features.
        q_pids, q_camids (np.ndarray | torch.Tensor): Query ids.
        shards (Sequence[GalleryShard]): The parts; their keys must be
            distinct.
        metric (str): ``'euclidean'`` or ``'cosine'``.
        max_rank, chunk_size, ap_mode: As in :class:`RankingOptions`.

    Returns:
        dict: ``cmc``, ``mAP``, ``mINP`` and ``num_valid_queries``.
    """
    options = RankingOptions(max_rank, chunk_size, ap_mode=ap_mode)
    device = q_feats.device
    q_pids = torch.as_tensor(q_pids, device=device).long()
    q_camids = torch.as_tensor(q_camids, device=device).long()
    key_space = max(int(s.keys.max()) + 1 for s in shards if len(s.keys))
    parts = [
        shard_matches(q_feats, q_pids, q_camids, s, metric, chunk_size)
        for s in shards
    ]
    matches = merge_matches(parts)
    preceding = sum(
        shard_preceding_counts(q_feats, q_pids, s, matches, key_space, metric,
                               chunk_size) for s in shards)
    num_gallery = sum(len(s.keys) for s in shards)
    return summarise_shards(matches, preceding, options.max_rank,
                            options.ap_mode, chunk_size
                            or default_chunk_size(num_gallery))


def _gather_padded(tensor: torch.Tensor, width: int) -> List[torch.Tensor]:
    """All-gather ``(Q, w)`` tensors of varying ``w``, padded to ``width``."""
    from mmengine.dist import all_gather
    return all_gather(_pad_columns(tensor, width).contiguous())


def evaluate_gallery_shard(q_feats: torch.Tensor,
                           q_pids: torch.Tensor,
                           q_camids: torch.Tensor,
                           shard: GalleryShard,
                           key_space: int,
                           metric: str = 'euclidean',
                           max_rank: int = 50,
                           chunk_size: Optional[int] = None,
                           ap_mode: str = 'mean'
                           ) -> Tuple[Optional[Summary], Dict[str, int]]:
    """Sharded evaluation across the processes of ``torch.distributed``.

    Call it on every rank of the default process group (through MMEngine's
    ``mmengine.dist`` helpers; in a single process it evaluates ``shard``
    alone). Every rank passes the same queries and its own part of the
    gallery. Communication: the matches of every part are all-gathered
    (``world_size * Q * P`` distances and keys, ``P`` the most matches of a
    query in one part) and the ``(Q, P)`` counts are all-reduced; rank 0
    then summarises. No rank ever receives gallery features.

    Args:
        q_feats (torch.Tensor): ``(Q, D)`` query features, the same on
            every rank.
        q_pids, q_camids (torch.Tensor): ``(Q,)`` query ids.
        shard (GalleryShard): This rank's part; keys distinct across ranks.
        key_space (int): Every key of every part is in ``[0, key_space)``.
        metric (str): ``'euclidean'`` or ``'cosine'``.
        max_rank, chunk_size, ap_mode: As in :class:`RankingOptions`.

    Returns:
        tuple[dict | None, dict]: The summary on rank 0 (None on the other
        ranks), and the bytes this rank received: ``matches`` and
        ``counts``.
    """
    from mmengine.dist import all_reduce, get_rank
    options = RankingOptions(max_rank, chunk_size, ap_mode=ap_mode)
    _check_options(options)
    local = shard_matches(q_feats, q_pids, q_camids, shard, metric, chunk_size)
    width = torch.tensor([local.width], device=q_feats.device)
    all_reduce(width, op='max')
    width = int(width)
    parts = [
        SortedMatches(d, k, n) for d, k, n in zip(
            _gather_padded(local.dist, width), _gather_padded(
                local.keys, width),
            _gather_padded(local.num_pos.unsqueeze(1), 1))
    ]
    for part in parts:
        part.num_pos = part.num_pos.squeeze(1)
    received = dict(
        matches=sum(p.dist.numel() * p.dist.element_size() +
                    p.keys.numel() * 8 + p.num_pos.numel() * 8 for p in parts))
    matches = merge_matches(parts)
    del parts
    preceding = shard_preceding_counts(q_feats, q_pids, shard, matches,
                                       key_space, metric, chunk_size)
    all_reduce(preceding, op='sum')
    received['counts'] = preceding.numel() * 8
    num_gallery = torch.tensor([len(shard.keys)], device=q_feats.device)
    all_reduce(num_gallery, op='sum')
    if get_rank() != 0:
        return None, received
    return summarise_shards(matches, preceding, options.max_rank,
                            options.ap_mode, chunk_size
                            or default_chunk_size(int(num_gallery))), received
