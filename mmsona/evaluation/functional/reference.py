"""The evaluation protocol as plain code: a full sort of every row.

:func:`reference_evaluate` is the executable specification of the Market
protocol that :func:`~mmsona.evaluation.functional.evaluate_rank` computes
without sorting: the tests compare the fast evaluator with it, and
``tools/analysis_tools/benchmark_eval.py`` times it as the usual
full-argsort evaluator (the algorithm of torchreid's and fast-reid's Python
evaluators). It needs the full ``(Q, G)`` distance matrix and a ``(Q, G)``
argsort, so it is meant for checking, not for large sets.
"""
from typing import Dict, Union

import numpy as np

__all__ = ['reference_evaluate']

Summary = Dict[str, Union[np.ndarray, float, int]]
JUNK_PID = -1


def reference_evaluate(distmat: np.ndarray,
                       q_pids: np.ndarray,
                       g_pids: np.ndarray,
                       q_camids: np.ndarray,
                       g_camids: np.ndarray,
                       max_rank: int = 50,
                       block_rows: int = 0,
                       sort_kind: str = 'stable') -> Summary:
    """CMC, mAP and mINP by sorting every query's full gallery.

    For each query:

    1. rank the gallery by ascending distance (a stable sort breaks ties
       by ascending gallery index);
    2. drop the items the protocol ignores: junk (pid ``-1``) and items
       with the query's pid *and* camera; distractors (pid 0) stay as
       negatives;
    3. the remaining items with the query's pid are its matches; a query
       without any is left out of every metric;
    4. CMC: hit at rank ``r`` if the first match is within the first
       ``r + 1`` items; AP: the mean of the precisions at the matches;
       INP: the number of matches over the rank of the last one.

    Args:
        distmat (np.ndarray): ``(Q, G)`` distances (smaller is closer).
        q_pids, g_pids (np.ndarray): Person ids.
        q_camids, g_camids (np.ndarray): Camera ids.
        max_rank (int): Length of the CMC curve. Defaults to 50.
        block_rows (int): Sort this many queries at a time (same result,
            less memory); 0 sorts all at once. Defaults to 0.
        sort_kind (str): ``kind`` of :func:`numpy.argsort`. ``'stable'``
            orders ties as the protocol does; ``'quicksort'`` (NumPy's
            default, used by the usual evaluators) is faster and agrees
            wherever the distances of a row are distinct. Defaults to
            ``'stable'``.

    Returns:
        dict: ``cmc`` (``np.ndarray`` of ``max_rank`` fractions), ``mAP``
        and ``mINP`` (floats in [0, 1]) and ``num_valid_queries`` (int).

    Raises:
        ValueError: No query has a match.
    """
    distmat = np.asarray(distmat)
    q_pids, g_pids = np.asarray(q_pids), np.asarray(g_pids)
    q_camids, g_camids = np.asarray(q_camids), np.asarray(g_camids)
    num_q = distmat.shape[0]
    all_cmc, all_ap, all_inp = [], [], []
    step = block_rows or max(num_q, 1)
    for start in range(0, num_q, step):
        rows = slice(start, start + step)
        # 1. Every row fully sorted; the matches matrix in ranked order.
        indices = np.argsort(distmat[rows], axis=1, kind=sort_kind)
        matches = (g_pids[indices] == q_pids[rows,
                                             np.newaxis]).astype(np.int32)
        for row, q_idx in enumerate(range(start, min(start + step, num_q))):
            order = indices[row]
            # 2. Drop junk and the query's own camera view of its identity.
            remove = (g_pids[order]
                      == JUNK_PID) | ((g_pids[order] == q_pids[q_idx]) &
                                      (g_camids[order] == q_camids[q_idx]))
            raw_cmc = matches[row][np.invert(remove)]
            # 3. Queries without a match do not count.
            if not np.any(raw_cmc):
                continue
            # 4. CMC, INP and AP of this query.
            cmc = raw_cmc.cumsum()
            last = np.where(raw_cmc == 1)[0].max()
            all_inp.append(cmc[last] / (last + 1.0))
            first = np.argmax(raw_cmc)
            all_cmc.append(np.arange(max_rank) >= first)
            num_rel = raw_cmc.sum()
            precision = cmc / np.arange(1, len(raw_cmc) + 1)
            all_ap.append((precision * raw_cmc).sum() / num_rel)
        del indices, matches
    if not all_cmc:
        raise ValueError(f'None of the {num_q} queries has a valid match.')
    cmc = np.asarray(all_cmc).astype(np.float64).sum(0) / len(all_cmc)
    return dict(
        cmc=cmc,
        mAP=float(np.mean(all_ap)),
        mINP=float(np.mean(all_inp)),
        num_valid_queries=len(all_cmc))
