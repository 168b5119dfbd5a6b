"""Brute-force references and random cases for the evaluation tests."""
import numpy as np
import pytest


def brute_force_rank(distmat, q_pids, g_pids, q_camids, g_camids, max_rank):
    """Market-protocol metrics by naive per-query loops and a full sort.

    Returns ``None`` when no query has a valid match.
    """
    distmat = np.asarray(distmat, dtype=np.float64)
    num_q, num_g = distmat.shape
    cmc = np.zeros(max_rank)
    aps, inps = [], []
    for i in range(num_q):
        order = sorted(range(num_g), key=lambda j: (distmat[i, j], j))
        matches = []
        for j in order:
            if g_pids[j] == -1:
                continue
            if g_pids[j] == q_pids[i] and g_camids[j] == q_camids[i]:
                continue
            matches.append(1 if g_pids[j] == q_pids[i] else 0)
        if q_pids[i] == -1 or sum(matches) == 0:
            continue
        hits, precisions, last = 0, [], 0
        for rank, match in enumerate(matches):
            if match:
                hits += 1
                precisions.append(hits / (rank + 1))
                last = rank
        first = matches.index(1)
        for r in range(max_rank):
            if first <= r:
                cmc[r] += 1
        aps.append(sum(precisions) / hits)
        inps.append(hits / (last + 1))
    if not aps:
        return None
    return dict(
        cmc=cmc / len(aps),
        mAP=sum(aps) / len(aps),
        mINP=sum(inps) / len(inps),
        num_valid_queries=len(aps))


def random_ids(rng, num_q, num_g, num_ids=5, num_cams=3):
    """Ids with junk (-1) and distractors (0) in the gallery."""
    q_pids = rng.integers(1, num_ids + 1, num_q)
    g_pids = rng.integers(-1, num_ids + 1, num_g)
    q_camids = rng.integers(0, num_cams, num_q)
    g_camids = rng.integers(0, num_cams, num_g)
    return q_pids, g_pids, q_camids, g_camids


def assert_same_summary(out, ref, tol=1e-9):
    """Compare an evaluation dict with a reference dict."""
    assert out['num_valid_queries'] == ref['num_valid_queries']
    assert out['cmc'].shape == ref['cmc'].shape
    np.testing.assert_allclose(out['cmc'], ref['cmc'], rtol=0, atol=tol)
    assert abs(out['mAP'] - ref['mAP']) <= tol
    assert abs(out['mINP'] - ref['mINP']) <= tol


@pytest.fixture
def brute_force():
    """:func:`brute_force_rank`."""
    return brute_force_rank


@pytest.fixture
def make_ids():
    """:func:`random_ids`."""
    return random_ids


@pytest.fixture
def same_summary():
    """:func:`assert_same_summary`."""
    return assert_same_summary
