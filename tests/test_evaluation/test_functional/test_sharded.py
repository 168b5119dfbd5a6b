"""Sharded evaluation: parts merged exactly, in one process and over gloo."""
import itertools
import os.path as osp
import socket
import sys

import numpy as np
import pytest
import torch

from mmsona.evaluation import (GalleryShard, ReIDMetric, evaluate_features,
                               evaluate_sharded)
from mmsona.evaluation.functional import match_ranks
from mmsona.evaluation.functional.sharded import evaluate_gallery_shard
from mmsona.evaluation.metrics.gallery_shards import (global_positions,
                                                      split_results)


def tie_heavy_case(rng, num_q, num_g, dim=3, num_ids=6, num_cams=3):
    """Integer features (many equal distances, all exact in float32), junk
    (-1), distractors (0) and same-id same-camera items."""
    q = torch.from_numpy(rng.integers(-2, 3, (num_q, dim)).astype(np.float32))
    g = torch.from_numpy(rng.integers(-2, 3, (num_g, dim)).astype(np.float32))
    q_pids = rng.integers(1, num_ids + 1, num_q)
    g_pids = rng.integers(-1, num_ids + 1, num_g)
    q_cams = rng.integers(0, num_cams, num_q)
    g_cams = rng.integers(0, num_cams, num_g)
    return q, g, (q_pids, g_pids, q_cams, g_cams)


def split_gallery(rng, g, g_pids, g_cams, weights):
    """Shards of a random, uneven assignment (a weight of 0: empty)."""
    weights = np.asarray(weights, dtype=np.float64)
    owner = rng.choice(len(weights), len(g), p=weights / weights.sum())
    shards = []
    for part in range(len(weights)):
        idx = np.nonzero(owner == part)[0]
        shards.append((g[idx], torch.from_numpy(g_pids[idx]),
                       torch.from_numpy(g_cams[idx]), torch.from_numpy(idx)))
    return shards


@pytest.mark.slow
@pytest.mark.parametrize('dense', [False, True])
@pytest.mark.parametrize('ap_mode', ['mean', 'trapezoid'])
def test_parts_give_the_whole_gallery_metrics(dense, ap_mode, monkeypatch):
    # Force the binary-search path or the histogram path.
    monkeypatch.setattr(match_ranks, 'DENSE_FRACTION', 0.0 if dense else 2.0)
    rng = np.random.default_rng(int(dense) + 2 * (ap_mode == 'mean'))
    for _ in range(8):
        num_q, num_g = int(rng.integers(5, 30)), int(rng.integers(30, 200))
        q, g, ids = tie_heavy_case(rng, num_q, num_g)
        weights = rng.random(int(rng.integers(2, 6))) + 0.05
        weights[0] = 0  # one empty part
        shards = [
            GalleryShard(*s)
            for s in split_gallery(rng, g, ids[1], ids[3], weights)
        ]
        for chunk in (None, 4):
            want = evaluate_features(
                q, g, *ids, max_rank=10, chunk_size=chunk, ap_mode=ap_mode)
            got = evaluate_sharded(
                q,
                ids[0],
                ids[2],
                shards,
                max_rank=10,
                chunk_size=chunk,
                ap_mode=ap_mode)
            np.testing.assert_array_equal(got['cmc'], want['cmc'])
            for key in ('mAP', 'mINP', 'num_valid_queries'):
                assert got[key] == want[key]


@pytest.mark.parametrize('dense', [False, True])
@pytest.mark.parametrize('ap_mode', ['mean', 'trapezoid'])
def test_one_split_gives_the_whole_gallery_metrics(dense, ap_mode,
                                                   monkeypatch):
    """A single case of the test above, fast enough for every run."""
    monkeypatch.setattr(match_ranks, 'DENSE_FRACTION', 0.0 if dense else 2.0)
    rng = np.random.default_rng(7 + int(dense))
    q, g, ids = tie_heavy_case(rng, 12, 80)
    shards = [
        GalleryShard(*s)
        for s in split_gallery(rng, g, ids[1], ids[3], [0.0, 1.0, 0.5, 2.0])
    ]
    for chunk in (None, 5):
        want = evaluate_features(
            q, g, *ids, max_rank=10, chunk_size=chunk, ap_mode=ap_mode)
        got = evaluate_sharded(
            q,
            ids[0],
            ids[2],
            shards,
            max_rank=10,
            chunk_size=chunk,
            ap_mode=ap_mode)
        np.testing.assert_array_equal(got['cmc'], want['cmc'])
        for key in ('mAP', 'mINP', 'num_valid_queries'):
            assert got[key] == want[key]


def test_shard_keys_must_ascend():
    with pytest.raises(ValueError, match='ascending'):
        GalleryShard(torch.zeros(2, 3), [1, 1], [0, 0], [3, 1])


@pytest.mark.parametrize('lengths', [[3, 3], [4, 3, 3], [2, 0, 5], [1]])
def test_positions_follow_collect_results(lengths):
    """The order MMEngine's collect_results gives gathered samples."""
    tagged = [[(rank, k) for k in range(n)] for rank, n in enumerate(lengths)]
    order = [
        item for item in itertools.chain.from_iterable(
            itertools.zip_longest(*tagged)) if item is not None
    ]
    for rank, n in enumerate(lengths):
        got = global_positions(lengths, rank).tolist()
        assert got == [order.index((rank, k)) for k in range(n)]


def test_sharded_metric_refuses_whole_gallery_options():
    for kwargs in (dict(rerank=True), dict(aqe=True), dict(protocol='cuhk03'),
                   dict(dump_features='f.pth')):
        with pytest.raises(ValueError, match='gallery_sharded'):
            ReIDMetric(gallery_sharded=True, **kwargs)


def make_samples(seed, num_query, num_gallery):
    """Query then gallery predict dicts with integer features."""
    rng = np.random.default_rng(seed)
    q, g, (q_pids, g_pids, q_cams, g_cams) = tie_heavy_case(
        rng, num_query, num_gallery, dim=4, num_ids=5)
    samples = []
    for feats, pids, cams, is_query in ((q, q_pids, q_cams, True),
                                        (g, g_pids, g_cams, False)):
        for f, p, c in zip(feats, pids, cams):
            samples.append(
                dict(
                    pred_feature=f,
                    pid=int(p),
                    camid=int(c),
                    is_query=is_query,
                    img_path=f'img_{len(samples):03d}.jpg'))
    return samples


def run_metric(metric, samples):
    for start in range(0, len(samples), 5):
        metric.process(None, samples[start:start + 5])
    return metric.evaluate(len(samples))


def test_sharded_metric_in_one_process():
    samples = make_samples(0, 9, 60)
    assert run_metric(ReIDMetric(gallery_sharded=True),
                      samples) == run_metric(ReIDMetric(), samples)


def test_sharded_metric_options_one_query_and_errors():
    """Options reach the sharded path, one query is enough, and a failure
    on the main rank is raised as the single-process one is."""
    samples = make_samples(1, 9, 60)
    options = dict(
        metric='cosine',
        max_rank=5,
        topk=(1, 5),
        ap_mode='trapezoid',
        chunk_size=3)
    sharded = run_metric(ReIDMetric(gallery_sharded=True, **options), samples)
    assert sharded == run_metric(ReIDMetric(**options), samples)
    assert 'reid/R5' in sharded and 'reid/R10' not in sharded
    # One query (with a match in the gallery).
    query = next(s for s in samples[:9]
                 if any(g['pid'] == s['pid'] and g['camid'] != s['camid']
                        for g in samples[9:]))
    one = [query] + samples[9:]
    assert run_metric(ReIDMetric(gallery_sharded=True),
                      one) == run_metric(ReIDMetric(), one)
    orphan = dict(query, pid=999)
    with pytest.raises(ValueError, match='valid match'):
        run_metric(ReIDMetric(gallery_sharded=True), [orphan] + samples[9:])
    with pytest.raises(ValueError, match='no gallery item'):
        run_metric(ReIDMetric(gallery_sharded=True), samples[:9])
    with pytest.raises(ValueError, match='no query item'):
        run_metric(ReIDMetric(gallery_sharded=True), samples[9:])


def test_one_process_shard_evaluation_and_its_traffic():
    """evaluate_gallery_shard in one process: the whole-gallery metrics
    (with its defaults), and the bytes it counts as received: P distances
    (float32), P int64 keys and one int64 count per query for the matches,
    P int64 counts per query for the all-reduce (P = most matches of a
    query); split_results counts the query features and three int64 ids
    per query."""
    rng = np.random.default_rng(9)
    q, g, ids = tie_heavy_case(rng, 10, 70)
    g_pids, g_cams = torch.from_numpy(ids[1]), torch.from_numpy(ids[3])
    shard = GalleryShard(g, g_pids, g_cams, torch.arange(70))
    q_pids, q_cams = torch.from_numpy(ids[0]), torch.from_numpy(ids[2])
    summary, received = evaluate_gallery_shard(q, q_pids, q_cams, shard, 70)
    want = evaluate_features(q, g, *ids)
    np.testing.assert_array_equal(summary['cmc'], want['cmc'])
    assert summary['mAP'] == want['mAP']
    most = max(
        int(((g_pids == p) & (g_cams != c)).sum())
        for p, c in zip(q_pids, q_cams))
    assert received == dict(
        matches=10 * most * (4 + 8) + 10 * 8, counts=10 * most * 8)
    samples = make_samples(2, 9, 30)
    for s in samples:
        s['feature'] = s.pop('pred_feature')
    parts = split_results(samples, len(samples), torch.device('cpu'))
    assert parts['query_bytes'] == 9 * 4 * 4 + 24 * 9
    assert (parts['num_gallery'], parts['key_space']) == (30, 39)


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.mark.slow
@pytest.mark.parametrize('world_size', [2, 3])
def test_gloo_ranks_give_single_process_metrics(world_size, tmp_path):
    samples = make_samples(world_size, 11, 70)
    cases = dict(
        # 81 samples: the sampler pads the last ranks with samples 0, ...
        odd=(dict(gallery_sharded=True), samples),
        cosine=(dict(
            gallery_sharded=True,
            metric='cosine',
            ap_mode='trapezoid',
            max_rank=20,
            topk=(1, 5),
            chunk_size=3), samples[:78]))
    single = {}
    for name, (kwargs, part) in cases.items():
        kwargs = {k: v for k, v in kwargs.items() if k != 'gallery_sharded'}
        single[name] = run_metric(ReIDMetric(**kwargs), part)
    # evaluate_gallery_shard with very uneven parts, one of them empty.
    rng = np.random.default_rng(10 + world_size)
    q, g, ids = tie_heavy_case(rng, 12, 150)
    weights = [0.8, 0.2, 0.0][:world_size] if world_size == 3 else [0.9, 0.1]
    shards = split_gallery(rng, g, ids[1], ids[3], weights)
    q_pids, q_cams = torch.from_numpy(ids[0]), torch.from_numpy(ids[2])
    shard_cases = dict(uneven=(q, q_pids, q_cams, shards, 150))
    want = evaluate_features(q, g, *ids, chunk_size=5)

    sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
    try:
        import _sharded_eval_dist_worker as worker
        torch.multiprocessing.spawn(
            worker.run,
            args=(world_size, _free_port(), cases, shard_cases, str(tmp_path)),
            nprocs=world_size,
            join=True)
    finally:
        sys.path.remove(osp.dirname(osp.abspath(__file__)))
    for rank in range(world_size):
        got = torch.load(tmp_path / f'rank{rank}.pth', weights_only=False)
        for name in cases:
            assert got[name] == single[name], (rank, name)
        summary, received = got['uneven']
        # Matches and counts only: a few entries per query, no features.
        assert received['matches'] < world_size * 12 * 60 * 16
        if rank == 0:
            np.testing.assert_array_equal(summary['cmc'], want['cmc'])
            for key in ('mAP', 'mINP', 'num_valid_queries'):
                assert summary[key] == want[key]
        else:
            assert summary is None
