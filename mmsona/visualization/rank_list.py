"""Choosing what a rank-list picture shows."""
from typing import List, NamedTuple, Optional, Sequence

import numpy as np

__all__ = ['RankItem', 'select_rank_list', 'choose_queries']


class RankItem(NamedTuple):
    """One gallery image of a rank list.

    Args:
        index (int): Index in the gallery.
        kind (str): ``'correct'`` (same identity), ``'wrong'`` or ``'junk'``
            (ignored by the Market1501 protocol).
        rank (int | None): 1-based rank among the non-junk images; None for
            junk.
        distance (float): Distance to the query.
    """

    index: int
    kind: str
    rank: Optional[int]
    distance: float


def select_rank_list(distances: Sequence[float],
                     query_pid: int,
                     query_camid: int,
                     gallery_pids: Sequence[int],
                     gallery_camids: Sequence[int],
                     topk: int = 10,
                     junk: str = 'mark',
                     max_junk: Optional[int] = None) -> List[RankItem]:
    """The top-k gallery images of one query under the Market protocol.

    Gallery images of the query's identity taken by the query's camera, and
    images with pid -1, are junk: the evaluation ignores them, so they get
    no rank. With ``junk='mark'`` they are shown (grey) where they fall,
    with ``junk='skip'`` they are left out. Distractors (pid 0) are ordinary
    wrong matches.

    Args:
        distances (Sequence[float]): Query-to-gallery distances, ``(G,)``.
        query_pid (int): Identity of the query.
        query_camid (int): Camera of the query.
        gallery_pids (Sequence[int]): Gallery identities, ``(G,)``.
        gallery_camids (Sequence[int]): Gallery cameras, ``(G,)``.
        topk (int): Ranked (non-junk) images to show. Defaults to 10.
        junk (str): ``'mark'`` or ``'skip'``. Defaults to ``'mark'``.
        max_junk (int, optional): At most this many junk images are shown
            with ``junk='mark'``. Defaults to ``topk``.

    Returns:
        list[RankItem]: The images in increasing distance (stable order
        on ties).
    """
    if junk not in ('mark', 'skip'):
        raise ValueError(f"junk must be 'mark' or 'skip', got {junk!r}.")
    distances = np.asarray(distances, dtype=np.float64)
    g_pids = np.asarray(gallery_pids)
    g_camids = np.asarray(gallery_camids)
    if not len(distances) == len(g_pids) == len(g_camids):
        raise ValueError(
            f'{len(distances)} distances for {len(g_pids)} gallery pids and '
            f'{len(g_camids)} camids; they must match.')
    max_junk = topk if max_junk is None else max_junk
    order = np.argsort(distances, kind='stable')
    items, rank, num_junk = [], 0, 0
    for idx in order:
        pid, camid = int(g_pids[idx]), int(g_camids[idx])
        is_junk = pid == -1 or (pid == query_pid and camid == query_camid)
        if is_junk:
            if junk == 'mark' and num_junk < max_junk:
                items.append(
                    RankItem(int(idx), 'junk', None, float(distances[idx])))
                num_junk += 1
            continue
        rank += 1
        kind = 'correct' if pid == query_pid else 'wrong'
        items.append(RankItem(int(idx), kind, rank, float(distances[idx])))
        if rank >= topk:
            break
    return items


def choose_queries(num_queries: int, num: int, seed: int = 0) -> np.ndarray:
    """A seeded, sorted choice of query indices.

    Args:
        num_queries (int): Number of queries available.
        num (int): How many to choose (all when larger).
        seed (int): Random seed. Defaults to 0.

    Returns:
        np.ndarray: Sorted distinct indices in ``[0, num_queries)``.
    """
    num = min(int(num), int(num_queries))
    if num <= 0:
        return np.zeros(0, dtype=np.int64)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(num_queries, size=num, replace=False))
