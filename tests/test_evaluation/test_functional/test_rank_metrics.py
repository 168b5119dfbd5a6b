"""evaluate_rank / evaluate_features against a brute-force reference."""
import numpy as np
import pytest
import torch

import mmsona.evaluation.functional.match_ranks as match_ranks
import mmsona.evaluation.functional.rank_metrics as rank_metrics
from mmsona.evaluation.functional import (compute_distance,
                                          evaluate_distance_rows,
                                          evaluate_features, evaluate_rank)
from mmsona.evaluation.functional.inputs import as_ids
from mmsona.evaluation.functional.rank_metrics import (RankAccumulator,
                                                       default_chunk_size)

# (DENSE_FRACTION, NUM_BINS): item-by-item search, histogram with real
# resolution, histogram so coarse that most items need the exact search.
PATHS = [(1.0, 4096), (0.0, 4096), (0.0, 3)]


@pytest.fixture(params=PATHS, ids=['search', 'binned', 'coarse-bins'])
def ranking_path(request, monkeypatch):
    dense_fraction, num_bins = request.param
    monkeypatch.setattr(match_ranks, 'DENSE_FRACTION', dense_fraction)
    monkeypatch.setattr(match_ranks, 'NUM_BINS', num_bins)
    return request.param


def _check(out_fn, ref):
    if ref is None:
        with pytest.raises(ValueError, match='valid match'):
            out_fn()
    else:
        return out_fn()


@pytest.mark.slow
def test_evaluate_rank_random_ties(ranking_path, brute_force, make_ids,
                                   same_summary):
    rng = np.random.default_rng(0)
    checked = 0
    for case in range(80):
        num_q, num_g = int(rng.integers(1, 12)), int(rng.integers(1, 40))
        ids = make_ids(rng, num_q, num_g)
        # Few distinct values: many exact ties, including with positives.
        dist = rng.integers(0, 4, (num_q, num_g)).astype(np.float64)
        if case % 3 == 1:
            dist = dist.astype(np.float32) - 1.5  # negative distances too
        max_rank = int(rng.integers(1, 12))
        chunk = int(rng.integers(1, 5))
        ref = brute_force(dist, *ids, max_rank)
        out = _check(
            lambda: evaluate_rank(
                dist, *ids, max_rank=max_rank, chunk_size=chunk), ref)
        if out is not None:
            same_summary(out, ref)
            checked += 1
    assert checked > 40


def test_evaluate_rank_continuous(ranking_path, brute_force, make_ids,
                                  same_summary):
    rng = np.random.default_rng(1)
    for _ in range(8):
        num_q, num_g = int(rng.integers(5, 20)), int(rng.integers(20, 150))
        ids = make_ids(rng, num_q, num_g, num_ids=8, num_cams=4)
        dist = rng.random((num_q, num_g))
        ref = brute_force(dist, *ids, 20)
        out = evaluate_rank(
            torch.from_numpy(dist),
            *[torch.from_numpy(x) for x in ids],
            max_rank=20,
            chunk_size=7)
        same_summary(out, ref)


def test_rank_invariant_to_chunking_and_paths(monkeypatch, make_ids):
    rng = np.random.default_rng(2)
    ids = make_ids(rng, 40, 300, num_ids=10, num_cams=4)
    dist = rng.integers(0, 50, (40, 300)).astype(np.float32)
    results = []
    for dense_fraction, num_bins in PATHS:
        monkeypatch.setattr(match_ranks, 'DENSE_FRACTION', dense_fraction)
        monkeypatch.setattr(match_ranks, 'NUM_BINS', num_bins)
        for chunk in (1, 7, None):
            results.append(evaluate_rank(dist, *ids, chunk_size=chunk))
    for other in results[1:]:
        np.testing.assert_array_equal(other['cmc'], results[0]['cmc'])
        assert other['mAP'] == pytest.approx(results[0]['mAP'], abs=1e-12)
        assert other['mINP'] == pytest.approx(results[0]['mINP'], abs=1e-12)


def test_infinite_distances(ranking_path, brute_force, same_summary):
    q_pids, g_pids = np.array([1, 2]), np.array([1, 1, 2, 3, 2, 1])
    q_cams, g_cams = np.array([0, 0]), np.array([1, 2, 1, 1, 2, 0])
    inf = np.inf
    dist = np.array([[inf, 1., -inf, inf, 0., 1.],
                     [2., inf, inf, -inf, 2., inf]])
    ref = brute_force(dist, q_pids, g_pids, q_cams, g_cams, 6)
    same_summary(evaluate_rank(dist, q_pids, g_pids, q_cams, g_cams, 6), ref)


def _tie_features(rng, num, metric):
    """Features whose distances are exact in float and often tie."""
    if metric == 'euclidean':
        return rng.integers(-1, 2, (num, 3)).astype(np.float64)
    # Four non-zero +-1 entries: norm 2, normalised entries +-0.5 or 0.
    feats = np.zeros((num, 6))
    for row in feats:
        slots = rng.choice(6, 4, replace=False)
        row[slots] = rng.choice([-1.0, 1.0], 4)
    return feats


@pytest.mark.slow
@pytest.mark.parametrize('metric', ['euclidean', 'cosine'])
@pytest.mark.parametrize('dtype', [torch.float64, torch.float32])
def test_evaluate_features_matches_brute_force(metric, dtype, ranking_path,
                                               brute_force, make_ids,
                                               same_summary):
    rng = np.random.default_rng(3)
    for case in range(24):
        num_q, num_g = int(rng.integers(1, 10)), int(rng.integers(1, 30))
        ids = make_ids(rng, num_q, num_g)
        if case % 2:
            q = torch.from_numpy(_tie_features(rng, num_q, metric))
            g = torch.from_numpy(_tie_features(rng, num_g, metric))
        else:
            q = torch.randn(num_q, 8, dtype=torch.float64)
            g = torch.randn(num_g, 8, dtype=torch.float64)
        q, g = q.to(dtype), g.to(dtype)
        ref = brute_force(compute_distance(q, g, metric).numpy(), *ids, 10)
        out = _check(
            lambda: evaluate_features(
                q, g, *ids, metric=metric, max_rank=10, chunk_size=3), ref)
        if out is not None:
            same_summary(out, ref)


def test_evaluate_features_numpy_and_default_chunk(brute_force, make_ids,
                                                   same_summary):
    rng = np.random.default_rng(4)
    ids = make_ids(rng, 25, 120, num_ids=6)
    q = rng.integers(0, 3, (25, 4)).astype(np.float32)
    g = rng.integers(0, 3, (120, 4)).astype(np.float32)
    ref = brute_force(compute_distance(q, g).numpy(), *ids, 50)
    same_summary(evaluate_features(q, g, *ids), ref)


def test_protocol_details():
    # Query pid 1 in camera 0.
    g_pids = np.array([1, 1, -1, 0, 2, 1])
    g_cams = np.array([0, 1, 1, 1, 1, 2])
    dist = np.array([[0.0, 3.0, 1.0, 2.0, 2.0, 5.0]])
    out = evaluate_rank(dist, [1], g_pids, [0], g_cams, max_rank=4)
    # Ranked valid list: 0(d2,idx3) 2(d2,idx4) 1(d3) 1(d5); the same-camera
    # match at distance 0 and the junk item are ignored, ties go by index.
    np.testing.assert_allclose(out['cmc'], [0, 0, 1, 1])
    assert out['mAP'] == pytest.approx((1 / 3 + 2 / 4) / 2, abs=1e-15)
    assert out['mINP'] == pytest.approx(2 / 4, abs=1e-15)
    assert out['num_valid_queries'] == 1
    assert isinstance(out['mAP'], float) and isinstance(out['cmc'], np.ndarray)


def test_single_query_and_single_gallery(same_summary, brute_force):
    out = evaluate_rank([[0.5]], [3], [3], [0], [1], max_rank=5)
    np.testing.assert_allclose(out['cmc'], np.ones(5))
    assert out['mAP'] == 1.0 and out['mINP'] == 1.0
    dist = np.array([[0.2], [0.1], [0.3]])
    ids = (np.array([3, 4, 3]), np.array([3]), np.array([0, 0,
                                                         1]), np.array([1]))
    same_summary(
        evaluate_rank(dist, *ids, max_rank=3), brute_force(dist, *ids, 3))
    assert evaluate_rank(dist, *ids)['num_valid_queries'] == 1


def test_invalid_inputs():
    with pytest.raises(ValueError, match='valid match'):
        evaluate_rank([[0.1, 0.2]], [1], [1, 2], [0], [0, 1])
    with pytest.raises(ValueError, match='non-empty'):
        evaluate_rank(np.zeros((0, 3)), [], [1, 2, 3], [], [0, 0, 0])
    with pytest.raises(ValueError, match='non-empty'):
        evaluate_features(
            torch.zeros(2, 4), torch.zeros(0, 4), [1, 2], [], [0, 0], [])
    with pytest.raises(ValueError, match='NaN'):
        evaluate_rank([[np.nan, 1.0]], [1], [1, 1], [0], [1, 1])
    with pytest.raises(ValueError, match='NaN or inf'):
        evaluate_features(
            torch.tensor([[np.inf, 0.0]]), torch.ones(2, 2), [1], [1, 1], [0],
            [1, 1])
    with pytest.raises(ValueError, match='shape'):
        evaluate_rank(np.zeros((2, 3)), [1], [1, 2, 3], [0], [0, 0, 0])
    with pytest.raises(ValueError, match='integers'):
        evaluate_rank([[0.1]], [1.5], [1], [0], [1])
    with pytest.raises(ValueError, match='protocol'):
        evaluate_rank([[0.1]], [1], [1], [0], [1], protocol='duke')
    with pytest.raises(ValueError, match='metric'):
        evaluate_features(
            torch.ones(1, 2),
            torch.ones(1, 2), [1], [1], [0], [1],
            metric='l1')


def test_distance_rows_are_requested_in_chunks():
    rng = np.random.default_rng(5)
    dist = torch.from_numpy(rng.random((10, 30)))
    q_pids, g_pids = rng.integers(1, 4, 10), rng.integers(1, 4, 30)
    q_cams, g_cams = rng.integers(0, 2, 10), rng.integers(0, 2, 30)
    calls = []

    def rows(start, end):
        calls.append((start, end))
        return dist[start:end]

    out = evaluate_distance_rows(
        rows, q_pids, g_pids, q_cams, g_cams, chunk_size=4)
    assert calls == [(0, 4), (4, 8), (8, 10)]
    ref = evaluate_rank(dist, q_pids, g_pids, q_cams, g_cams)
    np.testing.assert_array_equal(out['cmc'], ref['cmc'])


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_cuda_matches_cpu(make_ids):
    rng = np.random.default_rng(6)
    ids = make_ids(rng, 30, 200, num_ids=8)
    q, g = torch.randn(30, 16), torch.randn(200, 16)
    cpu = evaluate_features(q, g, *ids)
    gpu = evaluate_features(q.cuda(), g.cuda(), *ids)
    np.testing.assert_allclose(gpu['cmc'], cpu['cmc'])
    assert gpu['mAP'] == pytest.approx(cpu['mAP'], abs=1e-6)


def test_every_option_reaches_the_engine(make_ids):
    """evaluate_distance_rows and evaluate_features pass each option on,
    and default to 10 CUHK03 trials with seed 0, as evaluate_rank."""
    rng = np.random.default_rng(12)
    ids = make_ids(rng, 9, 30)
    q, g = rng.normal(size=(9, 4)), rng.normal(size=(30, 4))
    dist = compute_distance(q, g)
    options = dict(
        max_rank=5,
        chunk_size=2,
        protocol='cuhk03',
        num_repeats=3,
        seed=5,
        ap_mode='trapezoid')
    want = evaluate_rank(dist, *ids, **options)
    for got in (evaluate_distance_rows(lambda s, e: dist[s:e], *ids,
                                       **options),
                evaluate_features(q, g, *ids, **options)):
        np.testing.assert_array_equal(got['cmc'], want['cmc'])
        assert got['mAP'] == pytest.approx(want['mAP'], abs=1e-12)
    want = evaluate_rank(dist, *ids, protocol='cuhk03', num_repeats=10, seed=0)
    for got in (evaluate_distance_rows(
            lambda s, e: dist[s:e], *ids, protocol='cuhk03'),
                evaluate_features(q, g, *ids, protocol='cuhk03')):
        np.testing.assert_array_equal(got['cmc'], want['cmc'])


def test_huge_finite_features_are_accepted(make_ids):
    """Features whose sum overflows to inf are still finite; a NaN names
    its side."""
    rng = np.random.default_rng(13)
    ids = make_ids(rng, 6, 20)
    q = torch.from_numpy(rng.normal(size=(6, 4))).float()
    g = torch.from_numpy(rng.normal(size=(20, 4))).float()
    big = g.clone()
    big[:, 0] += 3e38 * torch.sign(big[:, 0]).clamp(min=0)
    assert not bool(torch.isfinite(big.sum())) and bool(
        torch.isfinite(big).all())
    assert 0 <= evaluate_features(q, big, *ids)['mAP'] <= 1
    for side, feats in (('query', (q.clone().fill_(float('nan')), g)),
                        ('gallery', (q, g.clone().fill_(float('nan'))))):
        with pytest.raises(ValueError, match=f'The {side} features'):
            evaluate_features(*feats, *ids)


def test_default_chunk_size_formula():
    """About 8M distances a chunk, at least 256 rows while that stays under
    32M distances, at least one row; an int for any gallery size."""

    cases = {0: 2**23, 1: 2**23, 10: 2**23 // 10, 200_000: 167, 2**26: 1}
    for num_gallery, rows in cases.items():
        got = default_chunk_size(num_gallery)
        assert got == rows and type(got) is int, num_gallery


@pytest.mark.parametrize('name', ['q_pids', 'g_pids', 'q_camids', 'g_camids'])
def test_id_errors_name_the_argument(name):
    """Float ids, or camera ids of the wrong length, are refused by name."""
    ids = dict(
        q_pids=np.array([1, 2]),
        g_pids=np.array([1, 2, 2]),
        q_camids=np.array([0, 0]),
        g_camids=np.array([1, 1, 1]))
    if name.endswith('pids'):
        ids[name] = ids[name].astype(np.float64)
        match = f'{name} must hold integers'
    else:
        ids[name] = np.append(ids[name], 1)
        match = f'{name} has 3 entries' if name[0] == 'q' else f'{name} has 4'
    with pytest.raises(ValueError, match=match):
        evaluate_distance_rows(lambda s, e: torch.zeros(e - s, 3),
                               ids['q_pids'], ids['g_pids'], ids['q_camids'],
                               ids['g_camids'])


def test_integer_distances_and_a_negative_chunk_size(make_ids, brute_force,
                                                     same_summary):
    rng = np.random.default_rng(14)
    ids = make_ids(rng, 7, 25)
    dist = rng.integers(0, 5, (7, 25))
    ref = brute_force(dist.astype(np.float64), *ids, 50)
    same_summary(evaluate_rank(torch.from_numpy(dist), *ids), ref)
    with pytest.raises(ValueError, match='chunk_size'):
        evaluate_rank(dist.astype(np.float64), *ids, chunk_size=-1)


@pytest.mark.parametrize('dense_fraction', [2.0, 0.0])
def test_every_tensor_stays_on_the_rows_device(dense_fraction, make_ids,
                                               monkeypatch):
    """With ``meta`` as the default device, a tensor made without the rows'
    device (what would be a CPU tensor on a GPU run) fails to mix."""
    rng = np.random.default_rng(15)
    ids = [torch.from_numpy(x) for x in make_ids(rng, 9, 40)]
    q = torch.from_numpy(rng.normal(size=(9, 4)))
    g = torch.from_numpy(rng.normal(size=(40, 4)))
    dist = compute_distance(q, g)
    monkeypatch.setattr(match_ranks, 'DENSE_FRACTION', dense_fraction)
    options = dict(max_rank=5, chunk_size=4, protocol='cuhk03', seed=2)
    want = evaluate_rank(dist, *ids, **options)
    with torch.device('meta'):
        got = [
            evaluate_rank(dist, *ids, **options),
            evaluate_features(q, g, *ids, **options),
            evaluate_distance_rows(lambda s, e: dist[s:e], *ids, **options)
        ]
    for out in got:
        np.testing.assert_array_equal(out['cmc'], want['cmc'])
        assert out['mAP'] == pytest.approx(want['mAP'], abs=1e-12)
        assert out['mINP'] == pytest.approx(want['mINP'], abs=1e-12)


def test_ids_are_moved_to_the_rows_device(monkeypatch, make_ids):
    """Each of the four id arrays is put on the device of the rows."""
    seen = []

    def spy(ids, name, length, device):
        seen.append((name, device))
        return as_ids(ids, name, length, device)

    monkeypatch.setattr(rank_metrics, 'as_ids', spy)
    rng = np.random.default_rng(16)
    ids = make_ids(rng, 3, 10)
    dist = torch.from_numpy(rng.random((3, 10)))
    evaluate_distance_rows(lambda s, e: dist[s:e], *ids)
    evaluate_rank(dist, *ids)
    cpu = torch.device('cpu')
    names = ['q_pids', 'q_camids', 'g_pids', 'g_camids']
    assert seen == [(name, cpu) for name in names] * 2


def test_boolean_distances_rank_as_numbers(make_ids, brute_force,
                                           same_summary):
    rng = np.random.default_rng(17)
    ids = make_ids(rng, 6, 30)
    dist = rng.random((6, 30)) < 0.5
    ref = brute_force(dist.astype(np.float64), *ids, 10)
    same_summary(evaluate_rank(torch.from_numpy(dist), *ids, max_rank=10), ref)


def test_rank_accumulator_defaults_and_exact_sums():
    """The default AP is the mean one; hit counts are int64 (float32 would
    stop counting at 2**24 queries), AP and INP sums float64."""
    acc = RankAccumulator(3, torch.device('cpu'))
    assert acc.ap_mode == 'mean'
    assert acc.first_hits.dtype == torch.int64
    assert acc.ap_sum.dtype == acc.inp_sum.dtype == torch.float64
    acc.update(torch.tensor([[1, 3], [0, 9]]), torch.tensor([2, 1]))
    assert acc.first_hits.tolist() == [1, 1, 0]
    out = acc.summary(2)
    assert out['mAP'] == pytest.approx(((1 / 2 + 2 / 4) / 2 + 1) / 2)
    assert out['mINP'] == pytest.approx((2 / 4 + 1) / 2)
