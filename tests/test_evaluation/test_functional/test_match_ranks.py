"""positive_ranks and preceding_negatives against per-row sorts."""
from typing import List

import numpy as np
import pytest
import torch

import mmsona.evaluation.functional.match_ranks as match_ranks
from mmsona.evaluation.functional.gallery_index import GalleryIndex
from mmsona.evaluation.functional.match_ranks import (positive_ranks,
                                                      preceding_negatives)

INF = float('inf')
# (DENSE_FRACTION, NUM_BINS): binary search only, histogram, coarse bins.
PATHS = [(2.0, 4096), (0.0, 4096), (0.0, 3)]


@pytest.fixture(params=PATHS, ids=['search', 'binned', 'coarse-bins'])
def path(request, monkeypatch):
    monkeypatch.setattr(match_ranks, 'DENSE_FRACTION', request.param[0])
    monkeypatch.setattr(match_ranks, 'NUM_BINS', request.param[1])


def naive_ranks(dist: np.ndarray, q_pids, g_pids, q_cams,
                g_cams) -> List[List[int]]:
    """Ranks of each row's matches in its stably sorted valid list."""
    out = []
    for i in range(dist.shape[0]):
        order = np.argsort(dist[i], kind='stable')
        kept = [
            j for j in order if g_pids[j] != -1
            and not (g_pids[j] == q_pids[i] and g_cams[j] == q_cams[i])
        ]
        out.append([r for r, j in enumerate(kept) if g_pids[j] == q_pids[i]])
    return out


def check_ranks(dist, q_pids, g_pids, q_cams, g_cams) -> None:
    """positive_ranks equals :func:`naive_ranks` on every row."""
    t = [
        torch.as_tensor(np.asarray(x))
        for x in (q_pids, g_pids, q_cams, g_cams)
    ]
    ranks, num_pos = positive_ranks(
        torch.as_tensor(dist), t[0], t[2], GalleryIndex(t[1], t[3]))
    want = naive_ranks(
        np.asarray(dist, np.float64), q_pids, g_pids, q_cams, g_cams)
    assert num_pos.tolist() == [len(w) for w in want]
    assert ranks.dtype == torch.int64
    assert tuple(ranks.shape) == (len(want), max(map(len, want), default=0))
    for row, w in zip(ranks.tolist(), want):
        assert row[:len(w)] == w


def test_ranks_of_tied_and_random_rows(path, make_ids):
    rng = np.random.default_rng(0)
    for case in range(6):
        num_q, num_g = int(rng.integers(1, 9)), int(rng.integers(1, 70))
        ids = make_ids(rng, num_q, num_g, num_ids=4)
        dist = rng.integers(0, 4, (num_q, num_g)).astype(np.float64)
        if case % 2:
            dist = rng.random((num_q, num_g)).astype(np.float32)
        check_ranks(dist, *ids)


def test_ranks_on_bin_edges_and_constant_rows(path):
    """Matches at 0 and 4094 make the 4096 bins one unit wide: items on
    every edge and between; a constant row; a row without a match."""
    g_pids = np.array([1] * 2 + [2] * 4105 + [1])
    g_cams = np.array([1, 2] + [1] * 4105 + [0])
    row = np.concatenate([[0.0, 4094.0], np.arange(-5, 4100) * 1.0, [3.0]])
    row[2::3] += 0.5
    dist = np.stack([row, np.full_like(row, 7.0), row[::-1].copy()])
    check_ranks(dist, [1, 1, 5], g_pids, [0, 0, 0], g_cams)


@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
def test_ranks_over_wide_and_infinite_ranges(path, dtype):
    """Matches far from 0 (a bin narrower than their distance's float
    step), huge and infinite distances, a row whose only match is its
    nearest item next to an infinite one (a zero bin scale), and matches
    whose bin range overflows float32."""
    g_pids = np.array([1, 1, 2, 2, 2, 2, 3, 1])
    g_cams = np.array([1, 2, 1, 1, 1, 1, 1, 0])
    rows = [
        [1e8, 1e8 + 8, 0.0, 1e8 + 8, -INF, 2e8, 1e8, 1.0],
        [0.0, 9.0, 5.0, INF, 0.0, 1.0, INF, -INF],
        [-1e38, 1e38, 0.0, -1e38, 1e38, INF, -INF, 0.0],
        [INF, INF, 1.0, INF, -INF, 3.0, INF, 0.0],
        [-INF, 2.0, -INF, 5.0, 2.0, INF, -INF, -INF],
        [1.0, 1.0, 3.0, INF, 1.0, 2.0, 5.0, 1.0],
        [-1.701e38, 1.701e38, -INF, 0.0, INF, 1e38, -1e38, 0.0],
    ]
    dist = torch.tensor(rows, dtype=dtype)
    q_pids, q_cams = [1] * len(rows), [0] * len(rows)
    check_ranks(dist.numpy(), q_pids, g_pids, q_cams, g_cams)
    for row in range(len(rows)):
        check_ranks(dist[row:row + 1].numpy(), q_pids[:1], g_pids, [0], g_cams)


def test_blocks_without_matches(path):
    g_pids, g_cams = np.array([1, 2, -1]), np.array([0, 1, 0])
    check_ranks(np.zeros((2, 3)), [1, 3], g_pids, [0, 0], g_cams)
    check_ranks(np.zeros((0, 3)), [], g_pids, [], g_cams)


def naive_preceding(dist, q_pids, g_pids, col_keys, m_dist, m_key,
                    num_pos) -> List[List[int]]:
    """Per match, the valid non-matches of the part ranked before it."""
    out = []
    for i in range(dist.shape[0]):
        others = [
            c for c in range(dist.shape[1])
            if g_pids[c] != -1 and g_pids[c] != q_pids[i]
        ]
        out.append([
            sum((dist[i, c], col_keys[c]) < (m_dist[i, j], m_key[i, j])
                for c in others) for j in range(num_pos[i])
        ])
    return out


def check_preceding(dist, q_pids, g_pids, g_cams, col_keys, m_dist, m_key,
                    num_pos, key_space) -> None:
    """preceding_negatives equals :func:`naive_preceding`."""
    got = preceding_negatives(
        torch.as_tensor(dist), torch.as_tensor(q_pids),
        GalleryIndex(torch.as_tensor(g_pids), torch.as_tensor(g_cams)),
        torch.as_tensor(m_dist), torch.as_tensor(m_key),
        torch.as_tensor(num_pos), torch.as_tensor(col_keys), key_space)
    assert got.dtype == torch.int64
    assert tuple(got.shape) == tuple(np.shape(m_dist))
    want = naive_preceding(
        np.asarray(dist), q_pids, g_pids, col_keys, np.asarray(m_dist),
        np.asarray(m_key), num_pos)
    for row, w in zip(got.tolist(), want):
        assert row[:len(w)] == w


def sorted_matches(rng, num_q, width, key_space):
    """Per row, matches sorted by (distance, key), tied distances."""
    num_pos = rng.integers(0, width + 1, num_q)
    num_pos[0] = width
    m_dist = np.zeros((num_q, width))
    m_key = np.zeros((num_q, width), np.int64)
    for i in range(num_q):
        keys = rng.choice(key_space, num_pos[i], replace=False)
        pairs = sorted(zip(rng.integers(0, 4, num_pos[i]) * 1.0, keys))
        for j, (d, k) in enumerate(pairs):
            m_dist[i, j], m_key[i, j] = d, k
    return m_dist, m_key, num_pos


def test_preceding_negatives_of_a_part(path, make_ids):
    rng = np.random.default_rng(1)
    for num_g in (1, 2, 40):
        q_pids, g_pids, _, g_cams = make_ids(rng, 6, num_g, num_ids=4)
        col_keys = np.sort(rng.choice(3 * num_g, num_g, replace=False))
        m_dist, m_key, num_pos = sorted_matches(rng, 6, 3, 3 * num_g)
        dist = rng.integers(0, 4, (6, num_g)) * 1.0
        check_preceding(dist, q_pids, g_pids, g_cams, col_keys, m_dist, m_key,
                        num_pos, 3 * num_g)


def test_preceding_negatives_of_empty_inputs(path):
    g_pids, g_cams, keys = np.array([2, 3]), np.array([0, 0]), np.array([0, 1])
    check_preceding(
        np.zeros((0, 2)), np.zeros(0, np.int64), g_pids, g_cams, keys,
        np.zeros((0, 2)), np.zeros((0, 2), np.int64), np.zeros(0, np.int64), 4)
    check_preceding(
        np.zeros((1, 0)), np.array([1]), g_pids[:0], g_cams[:0], keys[:0],
        np.zeros((1, 2)), np.array([[0, 3]]), np.array([2]), 4)
    check_preceding(
        np.zeros((1, 2)), np.array([1]), g_pids, g_cams, keys, np.zeros(
            (1, 2)), np.zeros((1, 2), np.int64), np.array([0]), 4)


def test_preceding_negatives_at_the_key_limit(path):
    """Keys up to just below 2**62 over (rows x 2 x distance levels + 2)
    are ranked exactly; a larger key space is refused."""
    g_pids, g_cams = np.array([2, 3, 2, 1]), np.array([0, 0, 0, 0])
    key_space = 2**60 - 1  # one row, one distance level: 4 * key_space
    col_keys = np.array([0, 2**59, 2**59 + 9, 2**60 - 2])
    dist = np.array([[1.0, 1.0, 1.0, 0.0]])
    m_dist, m_key = np.array([[1.0]]), np.array([[2**59 + 5]])
    check_preceding(dist, np.array([1]), g_pids, g_cams, col_keys, m_dist,
                    m_key, np.array([1]), key_space)
    with pytest.raises(ValueError, match='chunk_size'):
        check_preceding(dist, np.array([1]), g_pids, g_cams, col_keys, m_dist,
                        m_key, np.array([1]), key_space + 1)


def test_preceding_negatives_stay_on_the_rows_device(path, make_ids):
    """With ``meta`` as the default device, a tensor made without the rows'
    device (what would be a CPU tensor on a GPU run) fails to mix."""
    rng = np.random.default_rng(2)
    q_pids, g_pids, _, g_cams = make_ids(rng, 5, 30, num_ids=4)
    m_dist, m_key, num_pos = sorted_matches(rng, 5, 3, 60)
    args = [
        torch.as_tensor(x)
        for x in (rng.integers(0, 4, (5, 30)) * 1.0, q_pids, m_dist, m_key,
                  num_pos, np.arange(0, 60, 2))
    ]
    gallery = GalleryIndex(torch.as_tensor(g_pids), torch.as_tensor(g_cams))
    want = preceding_negatives(*args[:2], gallery, *args[2:], 60)
    with torch.device('meta'):
        got = preceding_negatives(*args[:2], gallery, *args[2:], 60)
        none = preceding_negatives(*args[:2], gallery, *args[2:4],
                                   torch.zeros_like(args[4]), args[5], 60)
    assert got.device.type == 'cpu' and torch.equal(got, want)
    # Without a match every entry is padding: only the tensor is checked.
    assert none.device.type == 'cpu' and none.dtype == torch.int64
    assert tuple(none.shape) == tuple(want.shape)


@pytest.mark.parametrize('dtype,rel', [(torch.float16, 1e-2),
                                       (torch.float32, 1e-5),
                                       (torch.float64, 1e-12)])
def test_ranks_of_large_distances_with_a_small_spread(path, dtype, rel):
    """Five tied levels a few float steps apart, far from 0."""
    rng = np.random.default_rng(3)
    g_pids, g_cams = rng.integers(1, 3, 60), rng.integers(0, 3, 60)
    for base in (3e2, 4e4, 4.2e7):
        if dtype == torch.float16 and base > 6e4:
            continue
        dist = base * (1 + rel * rng.integers(0, 5, (3, 60)) / 4)
        dist = torch.tensor(dist, dtype=dtype).numpy()
        check_ranks(dist, [1, 1, 2], g_pids, [0, 1, 0], g_cams)
