"""CMC, mAP and mINP of re-ID retrieval, computed in query chunks."""
from typing import Callable, Dict, Optional, Tuple, Union

import numpy as np
import torch

from .distance import PairwiseDistance
from .gallery_index import GalleryIndex
from .inputs import RankingOptions, as_feature_pair, as_ids, to_tensor
from .match_ranks import positive_ranks
from .single_shot import SingleShotCMC

__all__ = ['evaluate_rank', 'evaluate_features', 'evaluate_distance_rows']

ArrayLike = Union[np.ndarray, torch.Tensor]
Summary = Dict[str, Union[np.ndarray, float, int]]
#: Default number of distance elements per query chunk (``B * G``).
CHUNK_ELEMENTS = 2**23
#: Matrix products with fewer rows run slower; use at least this many rows
#: while a chunk stays under ``4 * CHUNK_ELEMENTS`` distances.
MIN_CHUNK_ROWS = 256


def default_chunk_size(num_gallery: int) -> int:
    """Query rows per chunk: about 8M distances, at least 256 rows if that
    keeps the chunk under 32M distances.

    Args:
        num_gallery (int): Gallery size.

    Returns:
        int: Rows per chunk (at least 1).
    """
    num_gallery = max(num_gallery, 1)
    rows = min(MIN_CHUNK_ROWS, 4 * CHUNK_ELEMENTS // num_gallery)
    return max(1, rows, CHUNK_ELEMENTS // num_gallery)


class RankAccumulator:
    """Sums of per-query CMC hits, AP and INP over valid queries.

    Args:
        max_rank (int): Length of the CMC curve.
        device (torch.device): Device of the sums.
        ap_mode (str): ``'mean'`` or ``'trapezoid'`` (see
            :class:`~mmsona.evaluation.functional.inputs.RankingOptions`).
            Defaults to ``'mean'``.
    """

    def __init__(self,
                 max_rank: int,
                 device: torch.device,
                 ap_mode: str = 'mean') -> None:
        self.max_rank = max_rank
        self.ap_mode = ap_mode
        self.first_hits = torch.zeros(
            max_rank, dtype=torch.long, device=device)
        self.ap_sum = torch.zeros((), dtype=torch.float64, device=device)
        self.inp_sum = torch.zeros((), dtype=torch.float64, device=device)
        self.num_valid = 0

    def update(self, ranks: torch.Tensor, num_pos: torch.Tensor) -> None:
        """Add a block of queries.

        Args:
            ranks (torch.Tensor): ``(B, P)`` 0-based ranks of each query's
                matches, ascending; entries past ``num_pos`` are ignored.
            num_pos (torch.Tensor): ``(B,)`` number of matches.
        """
        valid = num_pos > 0
        ranks, num_pos = ranks[valid], num_pos[valid]
        if num_pos.numel() == 0:
            return
        self.num_valid += int(num_pos.numel())
        first = ranks[:, 0]
        first = first[first < self.max_rank]
        self.first_hits += torch.bincount(first, minlength=self.max_rank)
        # hits[j] = j + 1 matches among the first ranks[j] + 1 items.
        hits = torch.arange(
            1, ranks.shape[1] + 1, device=ranks.device, dtype=torch.float64)
        is_pos = hits.unsqueeze(0) <= num_pos.unsqueeze(1)
        precision = hits / (ranks + 1).double()
        if self.ap_mode == 'trapezoid':
            # Precision one item before the match: j hits in ranks[j] items
            # (1 before a match at rank 0).
            before = (hits - 1) / ranks.double().clamp(min=1)
            before = torch.where(ranks == 0, torch.ones_like(before), before)
            precision = (precision + before) / 2
        ap = precision.masked_fill(~is_pos, 0).sum(1) / num_pos
        last = ranks.gather(1, (num_pos - 1).unsqueeze(1)).squeeze(1)
        self.ap_sum += ap.sum()
        self.inp_sum += (num_pos.double() / (last + 1).double()).sum()

    def summary(self, num_query: int) -> Summary:
        """CMC, mAP, mINP and the count of valid queries.

        Args:
            num_query (int): Number of queries, for the error message.

        Returns:
            dict: ``cmc``, ``mAP``, ``mINP`` and ``num_valid_queries``.

        Raises:
            ValueError: No query has a valid match.
        """
        if self.num_valid == 0:
            raise ValueError(
                f'None of the {num_query} queries has a valid match: no '
                'gallery item shares its person id while coming from another '
                'camera. Check that query and gallery ids come from the same '
                'split and that camera ids are parsed correctly.')
        cmc = np.cumsum(
            self.first_hits.cpu().double().numpy()) / self.num_valid
        return dict(
            cmc=cmc,
            mAP=float(self.ap_sum) / self.num_valid,
            mINP=float(self.inp_sum) / self.num_valid,
            num_valid_queries=self.num_valid)


def evaluate_distance_rows(distance_rows: Callable[[int, int], torch.Tensor],
                           q_pids: ArrayLike,
                           g_pids: ArrayLike,
                           q_camids: ArrayLike,
                           g_camids: ArrayLike,
                           max_rank: int = 50,
                           chunk_size: Optional[int] = None,
                           protocol: str = 'market',
                           num_repeats: int = 10,
                           seed: int = 0,
                           device: Optional[Union[str, torch.device]] = None,
                           ap_mode: str = 'mean') -> Summary:
    """Rank metrics from a function that yields distance rows on demand.

    The common engine of :func:`evaluate_rank`, :func:`evaluate_features`
    and re-ranked evaluation: ``distance_rows(start, end)`` must return the
    ``(end - start, G)`` distances of queries ``start:end``; only one such
    block exists at a time.

    Market protocol: for each query, gallery items with its pid *and* camera
    and junk items (pid ``-1``) are removed; distractors (pid 0) are ordinary
    negatives; the remaining items with its pid are its matches. Items are
    ranked by ascending distance, ties broken by ascending gallery index.
    Queries without any match are left out (and counted). With
    ``protocol='cuhk03'`` the CMC is the classic single-gallery-shot one
    (see :class:`SingleShotCMC`); mAP and mINP stay the Market ones.
    :func:`~mmsona.evaluation.functional.reference.reference_evaluate`
    computes the same numbers by sorting every row.

    Args:
        distance_rows (Callable[[int, int], torch.Tensor]): Row supplier.
        q_pids, g_pids (np.ndarray | torch.Tensor): Person ids.
        q_camids, g_camids (np.ndarray | torch.Tensor): Camera ids.
        max_rank, chunk_size, protocol, num_repeats, seed, ap_mode: The
            :class:`~mmsona.evaluation.functional.inputs.RankingOptions`
            (same names and defaults).
        device (str | torch.device, optional): Device of the id tensors;
            should match the rows'. Defaults to CPU.

    Returns:
        dict: ``cmc`` (``np.ndarray`` of ``max_rank`` fractions), ``mAP``
        and ``mINP`` (floats in [0, 1]) and ``num_valid_queries`` (int).
    """
    options = RankingOptions(max_rank, chunk_size, protocol, num_repeats, seed,
                             ap_mode)
    return _summarise_rows(distance_rows, (q_pids, g_pids, q_camids, g_camids),
                           options, torch.device(device or 'cpu'))


def _summarise_rows(distance_rows: Callable[[int, int], torch.Tensor],
                    ids: Tuple[ArrayLike, ArrayLike, ArrayLike, ArrayLike],
                    options: RankingOptions, device: torch.device) -> Summary:
    """:func:`evaluate_distance_rows` with its options in one object."""
    q_pids, g_pids, q_camids, g_camids = ids
    num_query = len(q_pids)
    num_gallery = len(g_pids)
    if num_query == 0 or num_gallery == 0:
        raise ValueError(f'Cannot evaluate with {num_query} queries and '
                         f'{num_gallery} gallery items: both must be '
                         'non-empty.')
    q_pids = as_ids(q_pids, 'q_pids', num_query, device)
    q_camids = as_ids(q_camids, 'q_camids', num_query, device)
    g_pids = as_ids(g_pids, 'g_pids', num_gallery, device)
    g_camids = as_ids(g_camids, 'g_camids', num_gallery, device)
    step = options.chunk_size or default_chunk_size(num_gallery)
    max_rank = options.max_rank

    gallery = GalleryIndex(g_pids, g_camids)
    acc = RankAccumulator(max_rank, device, options.ap_mode)
    single_shot = SingleShotCMC(
        gallery, num_query, max_rank, options.num_repeats,
        options.seed) if options.protocol == 'cuhk03' else None
    for start in range(0, num_query, step):
        end = min(start + step, num_query)
        dist = distance_rows(start, end)
        if tuple(dist.shape) != (end - start, num_gallery):
            raise ValueError(
                f'Distance rows {start}:{end} have shape '
                f'{tuple(dist.shape)}, expected {(end - start, num_gallery)}.')
        ranks, num_pos = positive_ranks(dist, q_pids[start:end],
                                        q_camids[start:end], gallery)
        acc.update(ranks, num_pos)
        if single_shot is not None:
            single_shot.update(dist, q_pids[start:end], q_camids[start:end],
                               start)
        del dist, ranks

    summary = acc.summary(num_query)
    if single_shot is not None:
        summary['cmc'] = single_shot.cmc(acc.num_valid)
    return summary


def evaluate_rank(distmat: ArrayLike,
                  q_pids: ArrayLike,
                  g_pids: ArrayLike,
                  q_camids: ArrayLike,
                  g_camids: ArrayLike,
                  max_rank: int = 50,
                  chunk_size: Optional[int] = None,
                  protocol: str = 'market',
                  num_repeats: int = 10,
                  seed: int = 0,
                  ap_mode: str = 'mean') -> Summary:
    """CMC, mAP and mINP from a query x gallery distance matrix.

    See :func:`evaluate_distance_rows` for the protocol. Ties are broken by
    gallery index (the earlier item ranks first), so results do not depend
    on a sort algorithm. Computed on the matrix's device, in chunks of
    queries; no row is ever fully sorted.

    Args:
        distmat (np.ndarray | torch.Tensor): ``(Q, G)`` distances (smaller
            is closer); NaN is rejected.
        q_pids, g_pids (np.ndarray | torch.Tensor): Person ids.
        q_camids, g_camids (np.ndarray | torch.Tensor): Camera ids.
        max_rank, chunk_size, protocol, num_repeats, seed, ap_mode: The
            :class:`~mmsona.evaluation.functional.inputs.RankingOptions`
            (same names and defaults).

    Returns:
        dict: ``cmc`` (``np.ndarray[max_rank]``), ``mAP``, ``mINP`` (floats
        in [0, 1]) and ``num_valid_queries`` (int).
    """
    options = RankingOptions(max_rank, chunk_size, protocol, num_repeats, seed,
                             ap_mode)
    distmat = to_tensor(distmat)
    if not distmat.is_floating_point():
        distmat = distmat.double()
    if distmat.dim() != 2:
        raise ValueError('distmat must be 2-D (Q, G), got shape '
                         f'{tuple(distmat.shape)}.')
    if bool(torch.isnan(distmat).any()):
        raise ValueError('distmat contains NaN.')
    if distmat.shape != (len(q_pids), len(g_pids)):
        raise ValueError(f'distmat has shape {tuple(distmat.shape)} but '
                         f'there are {len(q_pids)} queries and '
                         f'{len(g_pids)} gallery items.')
    return _summarise_rows(lambda start, end: distmat[start:end],
                           (q_pids, g_pids, q_camids, g_camids), options,
                           distmat.device)


def evaluate_features(q_feats: ArrayLike,
                      g_feats: ArrayLike,
                      q_pids: ArrayLike,
                      g_pids: ArrayLike,
                      q_camids: ArrayLike,
                      g_camids: ArrayLike,
                      metric: str = 'euclidean',
                      max_rank: int = 50,
                      chunk_size: Optional[int] = None,
                      protocol: str = 'market',
                      num_repeats: int = 10,
                      seed: int = 0,
                      ap_mode: str = 'mean') -> Summary:
    """CMC, mAP and mINP straight from features, in bounded memory.

    Equivalent to ``evaluate_rank(compute_distance(q_feats, g_feats,
    metric), ...)`` but only ``chunk_size`` rows of distances exist at any
    time, so peak memory beyond the features is about ``chunk_size * G``
    distances (plus, per chunk, the items that are no farther than some
    query's farthest match). Runs on the device of ``q_feats``.

    Args:
        q_feats (np.ndarray | torch.Tensor): ``(Q, D)`` query features.
        g_feats (np.ndarray | torch.Tensor): ``(G, D)`` gallery features.
        q_pids, g_pids (np.ndarray | torch.Tensor): Person ids.
        q_camids, g_camids (np.ndarray | torch.Tensor): Camera ids.
        metric (str): ``'euclidean'`` or ``'cosine'``. Defaults to
            ``'euclidean'``.
        max_rank, chunk_size, protocol, num_repeats, seed, ap_mode: The
            :class:`~mmsona.evaluation.functional.inputs.RankingOptions`
            (same names and defaults).

    Returns:
        dict: ``cmc``, ``mAP``, ``mINP`` and ``num_valid_queries`` as in
        :func:`evaluate_rank`.
    """
    options = RankingOptions(max_rank, chunk_size, protocol, num_repeats, seed,
                             ap_mode)
    q_feats, g_feats = as_feature_pair(q_feats, g_feats)
    for name, feats in (('query', q_feats), ('gallery', g_feats)):
        # A finite sum proves every entry finite; only otherwise look closer.
        if not bool(torch.isfinite(feats.sum())) \
                and not bool(torch.isfinite(feats).all()):
            raise ValueError(f'The {name} features contain NaN or inf.')
    dist_fn = PairwiseDistance(g_feats, metric)
    return _summarise_rows(lambda start, end: dist_fn(q_feats[start:end]),
                           (q_pids, g_pids, q_camids, g_camids), options,
                           q_feats.device)
