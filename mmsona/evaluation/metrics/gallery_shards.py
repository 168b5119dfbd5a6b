"""Each rank's gallery part and the shared queries, from ReIDMetric results.

MMEngine's ``collect_results`` orders the samples of all ranks by
interleaving them (item ``k`` of every rank, rank by rank, then item
``k + 1``), which is the dataset order under the ``DefaultSampler``, and
drops what lies past the dataset size (the sampler's padding).
:func:`split_results` gives every local sample that same position without
gathering the samples: only the per-rank counts are exchanged, then the
query features are all-gathered while gallery items stay where they are.
"""
from typing import Dict, List, Tuple

import torch
from mmengine.dist import all_gather, all_reduce, get_rank

from ..functional import GalleryShard

__all__ = ['global_positions', 'split_results']


def global_positions(lengths: List[int], rank: int) -> torch.Tensor:
    """Positions of a rank's items in the interleaved order of all ranks.

    Item ``k`` of rank ``r`` comes after the first ``min(L, k)`` items of
    every rank (``L`` its length) and after item ``k`` of the ranks before
    ``r`` that have one.

    Args:
        lengths (list[int]): Number of items of every rank.
        rank (int): This rank.

    Returns:
        torch.Tensor: ``(lengths[rank],)`` int64 positions.
    """
    index = torch.arange(lengths[rank])
    counts = torch.tensor(lengths)
    before = torch.minimum(counts.unsqueeze(1), index).sum(0)
    earlier = (counts[:rank].unsqueeze(1) > index).sum(0)
    return before + earlier


def _all_gather_rows(rows: torch.Tensor, counts: List[int]) -> torch.Tensor:
    """All-gather row blocks of varying length into one tensor."""
    most = max(counts)
    padded = rows.new_zeros((most, ) + tuple(rows.shape[1:]))
    padded[:rows.shape[0]] = rows
    parts = all_gather(padded)
    return torch.cat([part[:n] for part, n in zip(parts, counts)])


def split_results(results: List[dict], size: int,
                  device: torch.device) -> Dict[str, object]:
    """The shared queries and this rank's gallery part.

    Collective: every rank of the default process group must call it.

    Args:
        results (list[dict]): This rank's ``ReIDMetric`` results, in
            processing order.
        size (int): Dataset size; later positions are sampler padding.
        device (torch.device): Where the features go.

    Returns:
        dict: ``q_feats`` ``(Q, D)``, ``q_pids``, ``q_camids`` (all queries,
        in dataset order, on every rank), ``shard`` (:class:`GalleryShard`
        of this rank's gallery items, keyed by dataset position),
        ``num_gallery`` (over all ranks), ``key_space`` (``size``) and
        ``query_bytes`` (query data received by this rank).
    """
    rank = get_rank()
    lengths = [
        int(n)
        for n in all_gather(torch.tensor([len(results)], device=device))
    ]
    positions = global_positions(lengths, rank)
    keep = [i for i, p in enumerate(positions.tolist()) if p < size]
    items = [results[i] for i in keep]
    positions = positions[keep]
    is_query = torch.tensor([bool(r['is_query']) for r in items],
                            dtype=torch.bool)
    dims = {int(r['feature'].numel()) for r in items}
    # Largest and negated smallest size over the ranks; a rank without items
    # (all its samples sampler padding) leaves both to the others.
    dim = torch.tensor([max(dims, default=0), -min(dims, default=2**62)],
                       device=device)
    all_reduce(dim, op='max')
    if int(dim[0]) and int(dim[0]) != -int(dim[1]):
        raise ValueError('Query and gallery features differ in size: found '
                         f'sizes {-int(dim[1])} and {int(dim[0])}.')
    dim = int(dim[0])

    def stack(mask: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        chosen = [r for r, m in zip(items, mask.tolist()) if m]
        feats = torch.stack([r['feature'] for r in chosen]) if chosen \
            else torch.zeros((0, dim))
        pids = torch.tensor([r['pid'] for r in chosen], dtype=torch.long)
        camids = torch.tensor([r['camid'] for r in chosen], dtype=torch.long)
        return (feats.to(device), pids.to(device), camids.to(device),
                positions[mask].to(device))

    q_local = stack(is_query)
    g_local = stack(~is_query)
    q_counts = [
        int(n) for n in all_gather(
            torch.tensor([q_local[0].shape[0]], device=device))
    ]
    g_counts = [
        int(n) for n in all_gather(
            torch.tensor([g_local[0].shape[0]], device=device))
    ]
    q_feats, q_pids, q_camids, q_pos = (
        _all_gather_rows(t, q_counts) for t in q_local)
    order = torch.argsort(q_pos)
    q_feats, q_pids, q_camids = q_feats[order], q_pids[order], q_camids[order]
    query_bytes = q_feats.numel() * q_feats.element_size() + 24 * len(order)
    g_feats, g_pids, g_camids, g_pos = g_local
    g_order = torch.argsort(g_pos)
    shard = GalleryShard(g_feats[g_order], g_pids[g_order], g_camids[g_order],
                         g_pos[g_order])
    return dict(
        q_feats=q_feats,
        q_pids=q_pids,
        q_camids=q_camids,
        shard=shard,
        num_gallery=sum(g_counts),
        key_space=size,
        query_bytes=query_bytes)
