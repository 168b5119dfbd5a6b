"""k-reciprocal re-ranking against the dense textbook algorithm."""
import importlib

import numpy as np
import pytest
import torch

from mmsona.evaluation.functional import (KReciprocalReRanker,
                                          evaluate_distance_rows,
                                          evaluate_rank, re_ranking)


def dense_re_ranking(q_g, q_q, g_g, k1, k2, lambda_value):
    """Zhong et al.'s algorithm on full matrices of base distances."""
    original = np.concatenate([
        np.concatenate([q_q, q_g], axis=1),
        np.concatenate([q_g.T, g_g], axis=1)
    ])
    original = np.transpose(original / np.max(original, axis=0))
    num_query, num = q_g.shape[0], original.shape[0]
    rank = np.argsort(original, axis=1, kind='stable')
    V = np.zeros_like(original)
    half = int(np.around(k1 / 2.))
    for i in range(num):
        forward = rank[i, :k1 + 1]
        backward = rank[forward, :k1 + 1]
        reciprocal = forward[np.where(backward == i)[0]]
        expansion = reciprocal
        for candidate in reciprocal:
            c_forward = rank[candidate, :half + 1]
            c_backward = rank[c_forward, :half + 1]
            c_reciprocal = c_forward[np.where(c_backward == candidate)[0]]
            if len(np.intersect1d(c_reciprocal, reciprocal)) > \
                    2. / 3 * len(c_reciprocal):
                expansion = np.append(expansion, c_reciprocal)
        expansion = np.unique(expansion)
        weight = np.exp(-original[i, expansion])
        V[i, expansion] = weight / np.sum(weight)
    if k2 != 1:
        V = np.stack([V[rank[i, :k2]].mean(axis=0) for i in range(num)])
    jaccard = np.zeros((num_query, num))
    for i in range(num_query):
        overlap = np.zeros(num)
        for col in np.where(V[i] != 0)[0]:
            rows = np.where(V[:, col] != 0)[0]
            overlap[rows] += np.minimum(V[i, col], V[rows, col])
        jaccard[i] = 1 - overlap / (2. - overlap)
    final = jaccard * (1 - lambda_value) + original[:num_query] * lambda_value
    return final[:, num_query:]


def _dense_reference(q, g, metric, k1, k2, lambda_value):
    feats = np.concatenate([q, g])
    if metric == 'cosine':
        feats = feats / np.linalg.norm(feats, axis=1, keepdims=True)
        base = 1 - feats @ feats.T
    else:
        base = ((feats[:, None] - feats[None])**2).sum(-1)
    nq = len(q)
    return dense_re_ranking(base[:nq, nq:], base[:nq, :nq], base[nq:, nq:], k1,
                            k2, lambda_value)


@pytest.mark.parametrize('metric', ['euclidean', 'cosine'])
@pytest.mark.parametrize('shape,k1,k2,lam', [((12, 60, 6), 20, 6, 0.3),
                                             ((6, 30, 4), 7, 3, 0.5),
                                             ((9, 25, 5), 20, 1, 0.0),
                                             ((2, 4, 3), 20, 6, 1.0)])
def test_matches_dense_textbook(metric, shape, k1, k2, lam):
    num_q, num_g, dim = shape
    rng = np.random.default_rng(num_g + k1)
    q, g = rng.normal(size=(num_q, dim)), rng.normal(size=(num_g, dim))
    ref = _dense_reference(q, g, metric, k1, k2, lam)
    out = re_ranking(
        torch.from_numpy(q),
        torch.from_numpy(g),
        k1,
        k2,
        lam,
        metric,
        chunk_size=5)
    assert out.shape == (num_q, num_g)
    np.testing.assert_allclose(out.numpy(), ref, rtol=0, atol=1e-6)


def test_memory_is_sparse_and_rows_evaluate_like_matrix():
    rng = np.random.default_rng(0)
    num_q, num_g, k1, k2 = 40, 400, 20, 6
    q = torch.from_numpy(rng.normal(size=(num_q, 16)))
    g = torch.from_numpy(rng.normal(size=(num_g, 16)))
    ranker = KReciprocalReRanker(q, g, k1, k2, chunk_size=64)
    num = num_q + num_g
    # Stored vectors grow with N * k, far below the N x N dense matrix.
    stored = ranker._col.numel()
    assert stored <= num * (k1 + 1) * (k1 // 2 + 2) * k2
    assert stored < num * num / 3
    q_pids = rng.integers(1, 30, num_q)
    g_pids = rng.integers(1, 30, num_g)
    q_cams, g_cams = rng.integers(0, 3, num_q), rng.integers(0, 3, num_g)
    rows = evaluate_distance_rows(
        ranker, q_pids, g_pids, q_cams, g_cams, chunk_size=9)
    full = evaluate_rank(re_ranking(q, g), q_pids, g_pids, q_cams, g_cams)
    np.testing.assert_array_equal(rows['cmc'], full['cmc'])
    assert rows['mAP'] == pytest.approx(full['mAP'], abs=1e-12)


def test_invalid_arguments():
    q, g = torch.randn(3, 4), torch.randn(5, 4)
    with pytest.raises(ValueError, match='lambda'):
        re_ranking(q, g, lambda_value=1.5)
    with pytest.raises(ValueError, match='k1'):
        re_ranking(q, g, k1=0)
    with pytest.raises(ValueError, match='metric'):
        re_ranking(q, g, metric='l1')


@pytest.mark.parametrize('k1,k2,lam', [(1, 2, 0.3), (2, 2, 0.7),
                                       (None, None, None)])
def test_small_k_and_the_defaults_match_dense_textbook(k1, k2, lam):
    """k1 = 1, k2 = 2, and the defaults k1 = 20, k2 = 6, lambda = 0.3."""
    rng = np.random.default_rng(3)
    q, g = rng.normal(size=(5, 4)), rng.normal(size=(26, 4))
    if k1 is None:
        out = re_ranking(torch.from_numpy(q), torch.from_numpy(g))
        ref = _dense_reference(q, g, 'euclidean', 20, 6, 0.3)
        # The ranker's own defaults too.
        rows = KReciprocalReRanker(torch.from_numpy(q), torch.from_numpy(g))
        np.testing.assert_allclose(rows(0, 5).numpy(), ref, rtol=0, atol=1e-6)
    else:
        out = re_ranking(
            torch.from_numpy(q),
            torch.from_numpy(g),
            k1,
            k2,
            lam,
            chunk_size=3)
        ref = _dense_reference(q, g, 'euclidean', k1, k2, lam)
    np.testing.assert_allclose(out.numpy(), ref, rtol=0, atol=1e-6)


RE_RANKING = importlib.import_module('mmsona.evaluation.functional.re_ranking')


def _greedy_splits(cost, budget):
    """Pieces of consecutive rows, each as long as its cost allows."""
    bounds, start = [0], 0
    while start < len(cost):
        end, total = start, 0
        while end < len(cost) and total + cost[end] <= budget:
            total, end = total + cost[end], end + 1
        bounds.append(max(end, start + 1))
        start = bounds[-1]
    return bounds


def test_budget_splits_against_a_greedy_scan():
    """Each piece is the longest run within the budget, or one costly row."""
    rng = np.random.default_rng(0)
    for _ in range(60):
        cost = rng.integers(0, 6, int(rng.integers(1, 12)))
        budget = int(rng.integers(1, 9))
        got = RE_RANKING._budget_splits(torch.from_numpy(cost), budget)
        assert got == _greedy_splits(cost.tolist(), budget)
    assert RE_RANKING._budget_splits(torch.zeros(0, dtype=torch.long), 3) \
        == [0]


@pytest.mark.parametrize('budget', [1, 50])
def test_small_pair_budget_matches_dense_textbook(monkeypatch, budget):
    """Every budgeted loop in pieces gives the textbook distances."""
    monkeypatch.setattr(RE_RANKING, 'PAIR_BUDGET', budget)
    rng = np.random.default_rng(budget)
    q, g = rng.normal(size=(7, 3)), rng.normal(size=(23, 3))
    # k2 > k1 + 1: more nearest items are found than N(p, k1) takes.
    for k1, k2 in ((5, 3), (20, 6), (2, 5)):
        out = re_ranking(
            torch.from_numpy(q), torch.from_numpy(g), k1, k2, chunk_size=4)
        ref = _dense_reference(q, g, 'euclidean', k1, k2, 0.3)
        np.testing.assert_allclose(out.numpy(), ref, rtol=0, atol=1e-12)


def test_ties_are_broken_by_index_like_the_dense_textbook():
    """Integer features tie many distances; every list holds all N items.

    With k1 = N - 1 no tie straddles the end of a list, so the half-size
    and k2 lists are decided by (distance, index) alone.
    """
    rng = np.random.default_rng(5)
    q = rng.integers(0, 3, (4, 2)).astype(np.float64)
    g = rng.integers(0, 3, (26, 2)).astype(np.float64)
    out = re_ranking(torch.from_numpy(q), torch.from_numpy(g), 29, 7, 0.3)
    ref = _dense_reference(q, g, 'euclidean', 29, 7, 0.3)
    np.testing.assert_allclose(out.numpy(), ref, rtol=0, atol=1e-12)


def test_no_queries_or_no_gallery():
    feats = torch.randn(6, 3, dtype=torch.float64)
    out = re_ranking(feats[:0], feats, 3, 2)
    assert out.shape == (0, 6) and out.dtype == torch.float64
    assert re_ranking(feats, feats[:0], 3, 2).shape == (6, 0)


class _RecordedDistance(RE_RANKING.PairwiseDistance):
    """PairwiseDistance that keeps the query blocks it is called with."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.blocks = []
        CALLED.append(self)

    def __call__(self, query: torch.Tensor) -> torch.Tensor:
        self.blocks.append(query.clone())
        return super().__call__(query)


CALLED = []


def test_chunk_size_sets_the_blocks_of_both_distance_passes(monkeypatch):
    """chunk_size rows per block, every row once, in the N x N pass and in
    the query x gallery rows of re_ranking."""
    monkeypatch.setattr(RE_RANKING, 'PairwiseDistance', _RecordedDistance)
    CALLED.clear()
    q, g = torch.randn(5, 3, dtype=torch.float64), torch.randn(12, 3)
    re_ranking(q, g, 4, 2, chunk_size=3)
    joint, gallery = CALLED
    assert [len(b) for b in joint.blocks] == [3, 3, 3, 3, 3, 2]
    assert torch.equal(torch.cat(joint.blocks), torch.cat([q, g.double()]))
    assert [len(b) for b in gallery.blocks] == [3, 2]
    assert torch.equal(torch.cat(gallery.blocks), q)


def test_results_follow_the_features_not_the_default_device(monkeypatch):
    """Every tensor is made on the features' device: under a meta default
    device, CPU features still give the CPU result."""
    monkeypatch.setattr(RE_RANKING, 'PAIR_BUDGET', 40)
    rng = np.random.default_rng(1)
    q = torch.from_numpy(rng.normal(size=(5, 3)))
    g = torch.from_numpy(rng.normal(size=(17, 3)))
    want = re_ranking(q, g, 6, 3, chunk_size=4)
    want_rows = KReciprocalReRanker(q, g, 6, 3, chunk_size=4)(1, 4)
    with torch.device('meta'):
        got = re_ranking(q, g, 6, 3, chunk_size=4)
        rows = KReciprocalReRanker(q, g, 6, 3, chunk_size=4)(1, 4)
    assert got.device == q.device and torch.equal(got, want)
    assert rows.device == q.device and torch.equal(rows, want_rows)
