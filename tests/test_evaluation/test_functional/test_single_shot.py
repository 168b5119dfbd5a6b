"""CUHK03 single-gallery-shot CMC against a per-query reference."""
import numpy as np
import pytest
import torch

from mmsona.evaluation.functional import (GalleryIndex, SingleShotCMC,
                                          compute_distance, evaluate_features,
                                          evaluate_rank)


def single_shot_reference(dist, q_pids, g_pids, q_cams, g_cams, max_rank,
                          num_repeats, seed):
    """The documented sampling, one query and one trial at a time."""
    groups = sorted({int(p) for p in g_pids if p != -1})
    members = {
        p: [j for j in range(len(g_pids)) if g_pids[j] == p]
        for p in groups
    }
    rng = np.random.default_rng(seed)
    group_u = rng.random((num_repeats, len(groups)))
    query_u = rng.random((num_repeats, len(q_pids)))
    cmc, valid = np.zeros(max_rank), 0
    for i in range(len(q_pids)):
        positives = [
            j for j in range(len(g_pids))
            if g_pids[j] == q_pids[i] and g_cams[j] != q_cams[i]
        ]
        if q_pids[i] == -1 or not positives:
            continue
        valid += 1
        for t in range(num_repeats):
            match = positives[int(query_u[t, i] * len(positives))]
            items = [match] + [
                members[p][int(group_u[t, k] * len(members[p]))]
                for k, p in enumerate(groups) if p != q_pids[i]
            ]
            order = sorted(items, key=lambda j: (dist[i, j], j))
            rank = order.index(match)
            cmc[rank:] += 1 if rank < max_rank else 0
    return cmc / (num_repeats * valid)


@pytest.mark.slow
@pytest.mark.parametrize('seed', [0, 7])
def test_single_shot_matches_reference(seed, brute_force, make_ids):
    rng = np.random.default_rng(seed)
    for case in range(15):
        num_q, num_g = int(rng.integers(1, 12)), int(rng.integers(2, 40))
        ids = make_ids(rng, num_q, num_g)
        dist = rng.integers(0, 4, (num_q, num_g)).astype(np.float64)
        market = brute_force(dist, *ids, 10)
        if market is None:
            continue
        out = evaluate_rank(
            dist,
            *ids,
            max_rank=10,
            chunk_size=int(rng.integers(1, 5)),
            protocol='cuhk03',
            num_repeats=4,
            seed=seed)
        ref = single_shot_reference(dist, *ids, 10, 4, seed)
        np.testing.assert_allclose(out['cmc'], ref, rtol=0, atol=1e-12)
        # mAP and mINP are the Market ones.
        assert out['mAP'] == pytest.approx(market['mAP'], abs=1e-12)
        assert out['mINP'] == pytest.approx(market['mINP'], abs=1e-12)


def test_single_shot_is_seeded_and_easier_than_market(make_ids):
    rng = np.random.default_rng(3)
    ids = make_ids(rng, 30, 200, num_ids=12, num_cams=2)
    q, g = rng.normal(size=(30, 6)), rng.normal(size=(200, 6))
    runs = [
        evaluate_features(q, g, *ids, protocol='cuhk03', seed=s)
        for s in (0, 0, 1)
    ]
    np.testing.assert_array_equal(runs[0]['cmc'], runs[1]['cmc'])
    assert not np.array_equal(runs[0]['cmc'], runs[2]['cmc'])
    market = evaluate_rank(compute_distance(q, g), *ids)
    # One image per identity can only move the first match up.
    assert np.all(runs[0]['cmc'] >= market['cmc'] - 1e-12)
    ref = single_shot_reference(
        compute_distance(q, g).numpy(), *ids, 50, 10, 0)
    np.testing.assert_allclose(runs[0]['cmc'], ref, atol=1e-12)


def test_small_cases_match_reference(brute_force, make_ids):
    """A fast subset of the test above: tied distances, a short CMC (so a
    match can rank exactly at max_rank), one trial, the default trials and
    seed, and a block where a single query has a match."""
    rng = np.random.default_rng(11)
    cases = [(int(rng.integers(3, 9)), int(rng.integers(10, 30)), 2, r)
             for r in (1, 3)]
    for num_q, num_g, max_rank, repeats in cases:
        ids = make_ids(rng, num_q, num_g)
        dist = rng.integers(0, 3, (num_q, num_g)).astype(np.float64)
        if brute_force(dist, *ids, max_rank) is None:
            continue
        out = evaluate_rank(
            dist,
            *ids,
            max_rank=max_rank,
            chunk_size=2,
            protocol='cuhk03',
            num_repeats=repeats,
            seed=4)
        ref = single_shot_reference(dist, *ids, max_rank, repeats, 4)
        np.testing.assert_allclose(out['cmc'], ref, rtol=0, atol=1e-12)
    # Defaults: 10 trials, seed 0; one valid query of two.
    q_pids, g_pids = np.array([1, 9]), np.array([1, 1, 2, 3, 2])
    q_cams, g_cams = np.array([0, 0]), np.array([1, 2, 1, 0, 2])
    dist = rng.integers(0, 3, (2, 5)).astype(np.float64)
    out = evaluate_rank(
        dist, q_pids, g_pids, q_cams, g_cams, max_rank=3, protocol='cuhk03')
    assert out['num_valid_queries'] == 1
    ref = single_shot_reference(dist, q_pids, g_pids, q_cams, g_cams, 3, 10, 0)
    np.testing.assert_allclose(out['cmc'], ref, rtol=0, atol=1e-12)


def test_defaults_are_ten_trials_with_seed_zero(make_ids):
    """evaluate_rank's and SingleShotCMC's own defaults, on a case whose
    trials differ."""
    rng = np.random.default_rng(12)
    ids = make_ids(rng, 12, 60, num_ids=4)
    dist = rng.random((12, 60))
    ref = single_shot_reference(dist, *ids, 20, 10, 0)
    assert not np.allclose(ref, single_shot_reference(dist, *ids, 20, 11, 0))
    assert not np.allclose(ref, single_shot_reference(dist, *ids, 20, 10, 1))
    out = evaluate_rank(dist, *ids, max_rank=20, protocol='cuhk03')
    np.testing.assert_allclose(out['cmc'], ref, rtol=0, atol=1e-12)
    q_pids, g_pids, q_cams, g_cams = (torch.from_numpy(x) for x in ids)
    cmc = SingleShotCMC(GalleryIndex(g_pids, g_cams), 12, 20)
    cmc.update(torch.from_numpy(dist), q_pids, q_cams, 0)
    np.testing.assert_allclose(
        cmc.cmc(out['num_valid_queries']), ref, rtol=0, atol=1e-12)
