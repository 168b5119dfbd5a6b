"""Sharded evaluation: parts merged exactly, in one process and over gloo."""
import itertools
import os.path as osp

import numpy as np
import pytest
import torch
from dist_helpers import free_port, run_ranks  # noqa: I100

from mmsona.evaluation import (GalleryShard, ReIDMetric, evaluate_features,
                               evaluate_sharded)
from mmsona.evaluation.functional import match_ranks, sharded
from mmsona.evaluation.functional.rank_metrics import default_chunk_size
from mmsona.evaluation.functional.reference import reference_evaluate
from mmsona.evaluation.functional.sharded import (SortedMatches,
                                                  evaluate_gallery_shard,
                                                  merge_matches, shard_matches,
                                                  shard_preceding_counts,
                                                  summarise_shards)
from mmsona.evaluation.metrics import gallery_shards
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


def assert_sharded_equals_whole(q, g, ids, shards, chunk, ap_mode):
    """The sharded metrics equal the whole gallery's exactly."""
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
            assert_sharded_equals_whole(q, g, ids, shards, chunk, ap_mode)


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
        assert_sharded_equals_whole(q, g, ids, shards, chunk, ap_mode)


def test_shard_keys_must_ascend():
    with pytest.raises(ValueError, match='ascending'):
        GalleryShard(torch.zeros(2, 3), [1, 1], [0, 0], [3, 1])
    # Strictly: a repeated key, and a fall after a rise.
    for keys in ([2, 2], [1, 3, 2]):
        with pytest.raises(ValueError, match='ascending'):
            GalleryShard(
                torch.zeros(len(keys), 3), [1] * len(keys), [0] * len(keys),
                keys)


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


def test_sharded_metric_beyond_fifty_ranks_by_binary_search(monkeypatch):
    """The sharded metric with max_rank above the default 50, its matches
    placed by binary search (where the key space is used as given)."""
    monkeypatch.setattr(match_ranks, 'DENSE_FRACTION', 2.0)
    samples = make_samples(5, 9, 60)
    options = dict(max_rank=60, topk=(1, 60))
    sharded_metrics = run_metric(
        ReIDMetric(gallery_sharded=True, **options), samples)
    assert 'reid/R60' in sharded_metrics
    assert sharded_metrics == run_metric(ReIDMetric(**options), samples)


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


def random_parts(rng, num_query, widths, num_keys=200, levels=3):
    """Zero-padded parts with distances in a few levels (many ties) and
    keys distinct within each row across the parts."""
    parts = []
    keys = np.stack([rng.permutation(num_keys) for _ in range(num_query)])
    used = 0
    for width in widths:
        num_pos = rng.integers(0, width + 1, num_query)
        dist = np.zeros((num_query, width), np.float32)
        part_keys = np.zeros((num_query, width), np.int64)
        for row, n in enumerate(num_pos):
            pairs = sorted(
                zip(
                    rng.integers(0, levels, n).astype(np.float32),
                    keys[row, used:used + n]))
            for col, (d, k) in enumerate(pairs):
                dist[row, col], part_keys[row, col] = d, k
        used += width
        parts.append(
            SortedMatches(
                torch.from_numpy(dist), torch.from_numpy(part_keys),
                torch.from_numpy(num_pos.astype(np.int64))))
    return parts


def test_merge_matches_against_a_per_row_sort():
    """Rows wider than 64 columns (where torch's CPU sort stops being
    stable unless asked to), tied distances, padding in every part."""
    rng = np.random.default_rng(3)
    parts = random_parts(rng, 6, [30, 0, 40, 5])
    merged = merge_matches(parts)
    totals = [sum(int(p.num_pos[row]) for p in parts) for row in range(6)]
    assert merged.width == max(totals)
    assert merged.num_pos.tolist() == totals
    for row in range(6):
        want = sorted((float(p.dist[row, c]), int(p.keys[row, c]))
                      for p in parts for c in range(int(p.num_pos[row])))
        got = list(zip(merged.dist[row].tolist(), merged.keys[row].tolist()))
        assert got[:totals[row]] == want
        assert all(d == 0 and k == 0 for d, k in got[totals[row]:])
    # No queries: no columns.
    empty = SortedMatches(
        torch.zeros(0, 3), torch.zeros(0, 3, dtype=torch.long),
        torch.zeros(0, dtype=torch.long))
    assert merge_matches([empty, empty]).width == 0


def naive_matches(q, g, q_pids, q_cams, g_pids, g_cams, keys, metric):
    """Per query: sorted (distance, key) of its matches, dense formulas."""
    out = []
    for qi in range(len(q)):
        row = []
        for gi in range(len(g)):
            if g_pids[gi] == q_pids[qi] and g_cams[gi] != q_cams[qi]:
                if metric == 'euclidean':
                    d = float(((q[qi] - g[gi])**2).sum().sqrt())
                else:
                    d = 1 - float(q[qi] @ g[gi] / q[qi].norm() / g[gi].norm())
                row.append((d, int(keys[gi])))
        out.append(sorted(row))
    return out


@pytest.mark.parametrize('metric', [None, 'cosine'])
def test_shard_matches_against_dense_formulas(metric):
    rng = np.random.default_rng(4)
    q = torch.from_numpy(rng.normal(size=(7, 5)).astype(np.float32))
    g = torch.from_numpy(rng.normal(size=(40, 5)).astype(np.float32))
    q_pids = torch.from_numpy(rng.integers(1, 4, 7))
    q_cams = torch.from_numpy(rng.integers(0, 2, 7))
    g_pids = torch.from_numpy(rng.integers(1, 4, 40))
    g_cams = torch.from_numpy(rng.integers(0, 2, 40))
    keys = torch.arange(40) * 3 + 1
    shard = GalleryShard(g, g_pids, g_cams, keys)
    args = () if metric is None else (metric, )
    got = shard_matches(q, q_pids, q_cams, shard, *args)
    want = naive_matches(q, g, q_pids, q_cams, g_pids, g_cams, keys, metric
                         or 'euclidean')
    assert got.num_pos.tolist() == [len(w) for w in want]
    assert got.width == max(len(w) for w in want)
    for row, w in enumerate(want):
        n = len(w)
        np.testing.assert_allclose(
            got.dist[row, :n].numpy(), [d for d, _ in w], rtol=1e-5, atol=1e-5)
        assert got.keys[row, :n].tolist() == [k for _, k in w]
        assert not got.dist[row, n:].any() and not got.keys[row, n:].any()
    # No query has a match here: no columns at all.
    none = shard_matches(q, q_pids + 10, q_cams, shard, *args, chunk_size=3)
    assert none.width == 0 and not none.num_pos.any()


def test_shard_steps_with_their_defaults():
    """The four steps called with their defaults (Euclidean, max_rank 50,
    'mean' AP, all queries at once) give the reference metrics."""
    rng = np.random.default_rng(5)
    q, g, ids = tie_heavy_case(rng, 9, 50)
    q_pids, q_cams = torch.from_numpy(ids[0]), torch.from_numpy(ids[2])
    shard = GalleryShard(g, ids[1], ids[3], torch.arange(50))
    matches = merge_matches([shard_matches(q, q_pids, q_cams, shard)])
    preceding = shard_preceding_counts(q, q_pids, shard, matches, 50)
    got = summarise_shards(matches, preceding)
    distmat = torch.cdist(q.double(), g.double()).numpy()
    want = reference_evaluate(distmat, *ids)
    assert len(got['cmc']) == len(want['cmc']) == 50
    np.testing.assert_allclose(got['cmc'], want['cmc'])
    for key in ('mAP', 'mINP'):
        assert got[key] == pytest.approx(want[key])
    assert got['num_valid_queries'] == want['num_valid_queries']
    default = evaluate_sharded(q, q_pids, q_cams, [shard])
    assert len(default['cmc']) == 50
    assert default['mAP'] == pytest.approx(want['mAP'])


@pytest.mark.parametrize('chunk', [None, 1, 2])
def test_sharded_with_at_most_one_match_per_query(chunk):
    """Every query has at most one match and the first has none: chunks
    without matches, chunks whose most matches is one."""
    rng = np.random.default_rng(6)
    num_q, num_g = 6, 30
    q = torch.from_numpy(rng.integers(-2, 3, (num_q, 3)).astype(np.float32))
    g = torch.from_numpy(rng.integers(-2, 3, (num_g, 3)).astype(np.float32))
    q_pids = np.arange(1, num_q + 1)
    q_cams = np.zeros(num_q, np.int64)
    g_pids = rng.integers(10, 20, num_g)
    g_cams = np.ones(num_g, np.int64)
    g_pids[rng.permutation(num_g)[:num_q - 1]] = q_pids[1:]
    ids = (q_pids, g_pids, q_cams, g_cams)
    shards = [
        GalleryShard(*s)
        for s in split_gallery(rng, g, g_pids, g_cams, [1.0, 1.0, 0.5])
    ]
    got = evaluate_sharded(
        q, q_pids, q_cams, shards, max_rank=10, chunk_size=chunk)
    distmat = torch.cdist(q.double(), g.double()).numpy()
    want = reference_evaluate(distmat, *ids, max_rank=10)
    np.testing.assert_allclose(got['cmc'], want['cmc'])
    assert got['mAP'] == pytest.approx(want['mAP'])
    assert got['num_valid_queries'] == want['num_valid_queries'] == num_q - 1


def test_sharded_tie_break_at_the_largest_key():
    """A negative holding the largest key, nearer than the only match at
    key 0: the ranking keys need key_space above the largest key."""
    q = torch.tensor([[0.0]])
    g = torch.tensor([[1.0], [5.0], [0.5]])
    shard = GalleryShard(g, [1, 2, 3], [1, 1, 1], [0, 1, 2])
    got = evaluate_sharded(q, [1], [0], [shard], max_rank=3)
    np.testing.assert_array_equal(got['cmc'], [0.0, 1.0, 1.0])
    assert got['mAP'] == pytest.approx(0.5)


def test_sharded_refuses_a_negative_chunk_size_and_keeps_ap_mode():
    rng = np.random.default_rng(8)
    q, g, ids = tie_heavy_case(rng, 10, 60)
    q_pids, q_cams = torch.from_numpy(ids[0]), torch.from_numpy(ids[2])
    shard = GalleryShard(g, ids[1], ids[3], torch.arange(60))
    with pytest.raises(ValueError, match='chunk_size'):
        evaluate_sharded(q, q_pids, q_cams, [shard], chunk_size=-1)
    with pytest.raises(ValueError, match='chunk_size'):
        evaluate_gallery_shard(q, q_pids, q_cams, shard, 60, chunk_size=-1)
    want = evaluate_features(q, g, *ids, ap_mode='trapezoid', chunk_size=4)
    assert want['mAP'] != evaluate_features(q, g, *ids)['mAP']
    summary, _ = evaluate_gallery_shard(
        q, q_pids, q_cams, shard, 60, ap_mode='trapezoid', chunk_size=4)
    assert summary['mAP'] == want['mAP']
    np.testing.assert_array_equal(summary['cmc'], want['cmc'])


def test_summarise_shards_names_the_queries_without_a_match():
    matches = SortedMatches(
        torch.zeros(3, 0), torch.zeros(3, 0, dtype=torch.long),
        torch.zeros(3, dtype=torch.long))
    with pytest.raises(ValueError, match='None of the 3 queries'):
        summarise_shards(matches, torch.zeros(3, 0, dtype=torch.long))


def test_sharded_keys_up_to_the_ranking_key_limit(monkeypatch):
    """Keys are any ascending numbers: a negative keyed 2^60 - 2, nearer
    than the only match (key 0), precedes it on the binary-search path,
    where one query's ranking keys need the key space to be the largest
    key plus one, and stay below 2^62 (4 * key_space) exactly then."""
    monkeypatch.setattr(match_ranks, 'DENSE_FRACTION', 2.0)
    big = 2**60 - 2
    q = torch.tensor([[0.0]])
    shard = GalleryShard(
        torch.tensor([[1.0], [0.5]]), [1, 2], [1, 1], [0, big])
    got = evaluate_sharded(q, [1], [0], [shard], max_rank=2)
    summary, _ = evaluate_gallery_shard(
        q, torch.tensor([1]), torch.tensor([0]), shard, big + 1, max_rank=2)
    for out in (got, summary):
        np.testing.assert_array_equal(out['cmc'], [0.0, 1.0])
        assert out['mAP'] == pytest.approx(0.5)


def record_calls(monkeypatch, module, name, calls, wanted):
    """Replace ``module.name`` by a pass-through that records the arguments
    ``wanted`` returns for each call."""
    func = getattr(module, name)

    def spy(*args, **kwargs):
        calls.append(wanted(*args, **kwargs))
        return func(*args, **kwargs)

    monkeypatch.setattr(module, name, spy)


@pytest.mark.parametrize('chunk', [None, 3])
def test_sharded_steps_get_the_chunk_size(chunk, monkeypatch):
    """Both distance steps get ``chunk_size`` (the preceding counts use the
    distances of the matches' blocks, ``chunk_size`` queries each, and skip
    blocks without a match), and the summary the query chunks of the
    single-process evaluator, ``chunk_size or default_chunk_size(G)``."""
    rng = np.random.default_rng(11)
    q, g, ids = tie_heavy_case(rng, 7, 40)
    q_pids = torch.from_numpy(ids[0]).clone()
    q_pids[:3] = 99  # the first block of three has no match
    q_cams = torch.from_numpy(ids[2])
    shards = [
        GalleryShard(*s)
        for s in split_gallery(rng, g, ids[1], ids[3], [1.0, 1.0])
    ]
    calls = dict(matches=[], counts=[], summary=[], rows=[])
    record_calls(monkeypatch, sharded, 'shard_matches', calls['matches'],
                 lambda *a, **k: a[5])
    record_calls(monkeypatch, sharded, 'shard_preceding_counts',
                 calls['counts'], lambda *a, **k: a[6])
    record_calls(monkeypatch, sharded, 'summarise_shards', calls['summary'],
                 lambda *a, **k: a[4])
    record_calls(monkeypatch, sharded, 'preceding_negatives', calls['rows'],
                 lambda *a, **k: a[0].shape[0])
    evaluate_sharded(q, q_pids, q_cams, shards, chunk_size=chunk)
    evaluate_gallery_shard(q, q_pids, q_cams, shards[0], 40, chunk_size=chunk)
    assert calls['matches'] == calls['counts'] == [chunk] * 3
    sizes = (40, len(shards[0].keys))  # the whole gallery, one part
    assert calls['summary'] == [chunk or default_chunk_size(n) for n in sizes]
    blocks = [3, 1] if chunk else [7]
    assert calls['rows'] == blocks * 3


def test_summarise_shards_adds_chunks_at_their_own_width(monkeypatch):
    """Each chunk of queries reaches the accumulator cut to its own most
    matches (as in the single-process evaluator), on the counts' device."""
    seen = dict(device=[], widths=[])

    class Recorder(sharded.RankAccumulator):

        def __init__(self, max_rank, device, ap_mode='mean'):
            seen['device'].append(device)
            super().__init__(max_rank, device, ap_mode)

        def update(self, ranks, num_pos):
            seen['widths'].append((ranks.shape[1], int(num_pos.max())))
            super().update(ranks, num_pos)

    monkeypatch.setattr(sharded, 'RankAccumulator', Recorder)
    num_pos = torch.tensor([1, 2, 4, 1, 3])
    width = int(num_pos.max())
    matches = SortedMatches(
        torch.zeros(5, width), torch.zeros(5, width, dtype=torch.long),
        num_pos)
    preceding = torch.zeros(5, width, dtype=torch.long)
    summarise_shards(matches, preceding, max_rank=5, chunk_rows=2)
    assert seen['device'] == [preceding.device]
    assert seen['widths'] == [(2, 2), (4, 4), (3, 3)]


def test_ids_go_to_the_features_device(monkeypatch):
    """GalleryShard and evaluate_sharded make their id tensors on the
    features' device (only CPU ones here: the device asked for is seen)."""
    rng = np.random.default_rng(12)
    q, g, ids = tie_heavy_case(rng, 4, 12)
    shard_args = (g, ids[1].tolist(), ids[3].tolist(), list(range(12)))
    devices = []
    as_tensor = torch.as_tensor

    def spy(data, *args, **kwargs):
        devices.append(kwargs.get('device'))
        return as_tensor(data, *args, **kwargs)

    monkeypatch.setattr(torch, 'as_tensor', spy)
    shard = GalleryShard(*shard_args)
    assert devices == [g.device] * 3
    del devices[:]
    evaluate_sharded(q, ids[0], ids[2], [shard])
    assert devices[:2] == [q.device] * 2


def as_results(samples):
    """ReIDMetric results of predict dicts (``feature`` for
    ``pred_feature``)."""
    return [
        dict((('feature' if k == 'pred_feature' else k), v)
             for k, v in s.items()) for s in samples
    ]


def other_rank_sizes(monkeypatch, sizes):
    """split_results' all_reduce as if one more rank held features of
    these sizes (none: a rank without items)."""
    other = torch.tensor([max(sizes, default=0), -min(sizes, default=2**62)])

    def all_reduce(tensor, op):
        assert op == 'max'
        tensor.copy_(torch.maximum(tensor, other))

    monkeypatch.setattr(gallery_shards, 'all_reduce', all_reduce)


def test_split_results_without_items_and_feature_sizes(monkeypatch):
    """A rank whose samples are all sampler padding (a dataset smaller than
    the world) gets empty parts of the other ranks' feature size and int64
    ids; features of different sizes are refused, on one rank or across
    ranks, and no rank refuses anything when no rank has items."""
    cpu = torch.device('cpu')
    results = as_results(make_samples(3, 3, 5))
    short = dict(results[4], feature=results[4]['feature'][:3])
    with pytest.raises(ValueError, match='differ in size'):
        split_results(results[:4] + [short], 5, cpu)
    for sizes, dim in (((2048, ), 2048), ((), 0)):
        other_rank_sizes(monkeypatch, sizes)
        # The rank's one sample is at position 0 of a dataset of size 0.
        parts = split_results(results[:1], 0, cpu)
        assert parts['q_feats'].shape == parts['shard'].feats.shape == (0, dim)
        for ids in (parts['q_pids'], parts['q_camids'], parts['shard'].pids,
                    parts['shard'].camids):
            assert ids.shape == (0, ) and ids.dtype == torch.long
        assert parts['num_gallery'] == 0
    other_rank_sizes(monkeypatch, (4, 5))
    with pytest.raises(ValueError, match='differ in size'):
        split_results(results, 8, cpu)


@pytest.mark.parametrize('sharded', [False, True])
def test_metric_drops_the_sampler_padding(sharded):
    """Samples past the dataset size (the sampler's padding, here a valid
    query again) are left out."""
    samples = make_samples(4, 9, 40)
    padded = samples + [dict(samples[0])]
    metric = ReIDMetric(gallery_sharded=sharded)
    got = run_metric(metric, padded[:-1])
    metric = ReIDMetric(gallery_sharded=sharded)
    metric.process(None, padded)
    assert metric.evaluate(len(samples)) == got


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

    run_ranks(
        osp.join(
            osp.dirname(osp.abspath(__file__)),
            '_sharded_eval_dist_worker.py'),
        (world_size, free_port(), cases, shard_cases, str(tmp_path)),
        world_size)
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
