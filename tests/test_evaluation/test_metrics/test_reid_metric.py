"""ReIDMetric: registry, options, errors, feature dump, two-process run."""
import os.path as osp
import warnings

import numpy as np
import pytest
import torch
from dist_helpers import free_port, run_ranks  # noqa: I100
from mmengine.structures import BaseDataElement

from mmsona.evaluation import (ReIDMetric, compute_distance, evaluate_features,
                               evaluate_rank, query_expansion, re_ranking,
                               reference_evaluate)
from mmsona.registry import METRICS


def make_samples(num_query=8,
                 num_gallery=15,
                 dim=6,
                 seed=0,
                 orphan_query=True):
    """Query samples then gallery samples, as the model's predict dicts."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(6, dim))
    samples = []
    for i in range(num_query + num_gallery):
        is_query = i < num_query
        if is_query:
            # Every pid 1..4 has gallery items in all three cameras.
            pid, camid = int(rng.integers(1, 5)), int(rng.integers(0, 3))
            if orphan_query and i == 1:
                pid = 5  # no gallery item has it
        else:
            j = i - num_query
            pid, camid = j % 5, (j // 5) % 3
        feat = centres[pid] + 0.8 * rng.normal(size=dim)
        samples.append(
            dict(
                pred_feature=torch.tensor(feat, dtype=torch.float32),
                pid=pid,
                camid=camid,
                is_query=is_query,
                img_path=f'img_{i:03d}.jpg',
                gt_label=pid))
    return samples


def split(samples):
    query = [s for s in samples if s['is_query']]
    gallery = [s for s in samples if not s['is_query']]
    feats = [
        torch.stack([s['pred_feature'] for s in part])
        for part in (query, gallery)
    ]
    ids = [
        np.array([s[key] for s in part]) for key in ('pid', 'camid')
        for part in (query, gallery)
    ]
    return feats, (ids[0], ids[1], ids[2], ids[3])


def run_metric(metric, samples, batch=4):
    for start in range(0, len(samples), batch):
        metric.process(None, samples[start:start + batch])
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        return metric.evaluate(len(samples))


def expected(summary, topk=(1, 5, 10)):
    out = {f'reid/R{k}': summary['cmc'][k - 1] * 100 for k in topk}
    out['reid/mAP'] = summary['mAP'] * 100
    out['reid/mINP'] = summary['mINP'] * 100
    out['reid/num_valid_queries'] = summary['num_valid_queries']
    out['reid/R1_mAP'] = (summary['cmc'][0] * 100 + summary['mAP'] * 100) / 2
    return out


def assert_metrics(got, want):
    assert set(got) == set(want)
    for key, value in want.items():
        assert got[key] == pytest.approx(value, abs=1e-9), key


def test_registry_build_and_default_metrics():
    metric = METRICS.build(dict(type='ReIDMetric'))
    assert isinstance(metric, ReIDMetric) and metric.prefix == 'reid'
    samples = make_samples()
    (q, g), ids = split(samples)
    got = run_metric(metric, samples)
    assert_metrics(got, expected(evaluate_features(q, g, *ids)))
    assert got['reid/num_valid_queries'] == 7
    assert metric.results == []


def test_process_accepts_data_elements_and_keeps_small_cpu_results():
    metric = ReIDMetric()
    sample = BaseDataElement(
        metainfo=dict(pid=3, camid=1, is_query=True, img_path='a.jpg'))
    sample.pred_feature = torch.arange(4.0).view(1, 4)
    sample.gt_label = torch.tensor([3])
    metric.process(None, [sample, sample.to_dict()])
    assert len(metric.results) == 2
    for result in metric.results:
        assert set(result) == {
            'feature', 'pid', 'camid', 'is_query', 'img_path'
        }
        assert result['feature'].shape == (4, )
        assert result['feature'].device.type == 'cpu'
        assert result['pid'] == 3 and result['is_query'] is True
    with pytest.raises(KeyError, match='camid'):
        metric.process(
            None, [dict(pred_feature=torch.ones(2), pid=1, is_query=False)])


@pytest.mark.parametrize('options', [
    dict(metric='cosine', topk=(1, 3), max_rank=5),
    dict(protocol='cuhk03', num_repeats=3, seed=2),
    dict(rerank=True, rerank_k1=6, rerank_k2=2, rerank_lambda=0.4),
    dict(aqe=True, aqe_k=2, aqe_alpha=2.0),
    dict(aqe=True, rerank=True, chunk_size=2),
])
def test_options_match_functional(options):
    samples = make_samples(seed=1)
    (q, g), ids = split(samples)
    metric_name = options.get('metric', 'euclidean')
    if options.get('aqe'):
        q, g = query_expansion(
            q,
            g,
            k=options.get('aqe_k', 5),
            alpha=options.get('aqe_alpha', 3.0))
    extra = dict(max_rank=options.get('max_rank', 50))
    if options.get('protocol'):
        extra.update(protocol='cuhk03', num_repeats=3, seed=2)
    if options.get('rerank'):
        dist = re_ranking(q, g, options.get('rerank_k1', 20),
                          options.get('rerank_k2', 6),
                          options.get('rerank_lambda', 0.3), metric_name)
    else:
        dist = compute_distance(q, g, metric_name)
    want = expected(
        evaluate_rank(dist, *ids, **extra), options.get('topk', (1, 5, 10)))
    assert_metrics(run_metric(ReIDMetric(**options), samples), want)


def test_cosine_re_ranking_re_ranks_cosine_distances():
    """Re-ranking starts from the metric's distances, not Euclidean ones."""
    samples = make_samples(num_query=10, num_gallery=30, seed=4)
    # Features of very different norms: cosine and Euclidean neighbours
    # differ (for unit features the two re-rankings would coincide).
    scales = np.random.default_rng(0).uniform(0.2, 5.0, len(samples))
    samples = [
        dict(s, pred_feature=s['pred_feature'] * float(scale))
        for s, scale in zip(samples, scales)
    ]
    (q, g), ids = split(samples)
    options = dict(rerank=True, rerank_k1=6, rerank_k2=3, rerank_lambda=0.3)
    want = {}
    for metric in ('cosine', 'euclidean'):
        dist = re_ranking(q, g, 6, 3, 0.3, metric=metric)
        want[metric] = expected(reference_evaluate(dist.numpy(), *ids))
    # The case tells the two apart.
    assert want['cosine']['reid/mAP'] != pytest.approx(
        want['euclidean']['reid/mAP'], abs=1e-6)
    got = run_metric(ReIDMetric(metric='cosine', **options), samples)
    assert_metrics(got, want['cosine'])


def test_r1_map_is_the_mean_of_r1_and_map():
    """The score checkpoints can be selected by (save_best='reid/R1_mAP')."""
    got = run_metric(ReIDMetric(topk=(5, )), make_samples(seed=2))
    assert 'reid/R1' not in got
    samples = make_samples(seed=2)
    full = run_metric(ReIDMetric(), samples)
    assert got['reid/R1_mAP'] == (full['reid/R1'] + full['reid/mAP']) / 2
    assert list(full)[-1] == 'reid/R1_mAP'


def test_warns_about_and_errors_on_invalid_queries():
    samples = make_samples()
    metric = ReIDMetric()
    for s in samples:
        metric.process(None, [s])
    with pytest.warns(UserWarning, match='1 of 8 queries have no valid'):
        metric.evaluate(len(samples))
    only_orphan = [samples[1]] + [s for s in samples if not s['is_query']]
    with pytest.raises(ValueError, match='None of the 1 queries'):
        run_metric(ReIDMetric(), only_orphan)
    gallery_only = [s for s in samples if not s['is_query']]
    with pytest.raises(ValueError, match='no query item'):
        run_metric(ReIDMetric(), gallery_only)
    with pytest.raises(ValueError, match='no gallery item'):
        run_metric(ReIDMetric(), samples[:8])


def test_bad_options():
    with pytest.raises(ValueError, match='metric'):
        ReIDMetric(metric='l2')
    with pytest.raises(ValueError, match='protocol'):
        ReIDMetric(protocol='duke')
    with pytest.raises(ValueError, match='topk'):
        ReIDMetric(topk=(1, 60), max_rank=50)


def test_dump_features_round_trip(tmp_path):
    samples = make_samples()
    path = tmp_path / 'out' / 'features.pth'
    run_metric(ReIDMetric(dump_features=str(path)), samples)
    dumped = torch.load(path)
    (q, g), (q_pids, g_pids, q_cams, g_cams) = split(samples)
    torch.testing.assert_close(dumped['query_feats'], q)
    torch.testing.assert_close(dumped['gallery_feats'], g)
    assert dumped['query_pids'].tolist() == q_pids.tolist()
    assert dumped['gallery_camids'].tolist() == g_cams.tolist()
    assert dumped['query_paths'][0] == 'img_000.jpg'
    assert dumped['gallery_paths'][-1] == 'img_022.jpg'
    # What was dumped is enough to recompute the metrics.
    again = evaluate_features(dumped['query_feats'], dumped['gallery_feats'],
                              dumped['query_pids'], dumped['gallery_pids'],
                              dumped['query_camids'], dumped['gallery_camids'])
    assert again['mAP'] == evaluate_features(q, g, q_pids, g_pids, q_cams,
                                             g_cams)['mAP']


@pytest.mark.skipif(torch.cuda.is_available(), reason='checks CPU fallback')
def test_cuda_request_without_cuda_falls_back_to_cpu():
    samples = make_samples(orphan_query=False)
    metric = ReIDMetric(device='cuda')
    for s in samples:
        metric.process(None, [s])
    with pytest.warns(UserWarning, match='CUDA is not available'):
        got = metric.evaluate(len(samples))
    (q, g), ids = split(samples)
    assert_metrics(got, expected(evaluate_features(q, g, *ids)))


@pytest.mark.slow
def test_two_processes_give_single_process_metrics(tmp_path):
    samples = make_samples(num_query=8, num_gallery=15, seed=3)
    cases = dict(
        # 23 samples: the sampler pads rank 1 with sample 0, a valid query
        # that would change the metrics if it were not dropped again.
        # Gathered through the process group: the ranks work in folders of
        # their own, as nodes without a shared file system.
        odd=(dict(), samples),
        # Gathered through a folder that both ranks see.
        even=(dict(
            metric='cosine',
            rerank=True,
            rerank_k1=5,
            rerank_k2=2,
            collect_dir=str(tmp_path / 'shared')), samples[:22]))
    single = {
        name: run_metric(ReIDMetric(**kwargs), part)
        for name, (kwargs, part) in cases.items()
    }
    run_ranks(
        osp.join(
            osp.dirname(osp.abspath(__file__)), '_reid_metric_dist_worker.py'),
        (2, free_port(), cases, str(tmp_path)), 2)
    for rank in range(2):
        got = torch.load(tmp_path / f'rank{rank}.pth')
        assert got == single


@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
def test_half_precision_features_give_the_float32_metrics(dtype):
    """Features of ``val_cfg=dict(fp16=True)``: squared norms near 1.7e5
    overflow float16 if they are ranked as they come."""
    samples = make_samples(num_query=8, num_gallery=15, dim=64, seed=5)
    half = [
        dict(s, pred_feature=(s['pred_feature'] * 40).to(dtype))
        for s in samples
    ]
    (q, g), ids = split(half)
    want = expected(evaluate_features(q.float(), g.float(), *ids))
    assert want['reid/R1'] > 50
    assert_metrics(run_metric(ReIDMetric(), half), want)


def test_constructor_keeps_every_option():
    from mmsona.evaluation.functional import RankingOptions
    metric = ReIDMetric()
    assert metric.ranking == RankingOptions(50, None, 'market', 10, 0, 'mean')
    assert metric.rerank_cfg == dict(k1=20, k2=6, lambda_value=0.3)
    assert metric.aqe_cfg == dict(k=5, alpha=3.0)
    assert (metric.collect_device, metric.prefix) == ('gpu', 'reid')
    assert metric.gallery_sharded is False
    metric = ReIDMetric(
        max_rank=5,
        topk=(1, 5),
        chunk_size=7,
        seed=3,
        num_repeats=2,
        rerank_k1=4,
        rerank_k2=2,
        rerank_lambda=0.5,
        collect_dir='/tmp/collect',
        prefix='val')
    assert metric.ranking == RankingOptions(5, 7, 'market', 2, 3, 'mean')
    assert metric.rerank_cfg == dict(k1=4, k2=2, lambda_value=0.5)
    assert metric.topk == (1, 5)
    assert (metric.collect_device, metric.collect_dir,
            metric.prefix) == ('cpu', '/tmp/collect', 'val')
    assert ReIDMetric(gallery_sharded=True).gallery_sharded is True
    for topk in ((), (0, 5), (1, 6)):
        with pytest.raises(ValueError, match='topk'):
            ReIDMetric(max_rank=5, topk=topk)
    for kwargs, name in ((dict(rerank=True), 'rerank'),
                         (dict(aqe=True), 'aqe'), (dict(dump_features='f.pth'),
                                                   'dump_features'),
                         (dict(protocol='cuhk03'), "protocol='cuhk03'")):
        with pytest.raises(ValueError, match=f'combined with {name}:'):
            ReIDMetric(gallery_sharded=True, **kwargs)


def test_no_warning_when_every_query_is_valid_on_the_cpu(tmp_path):
    """Neither the invalid-query warning nor the CUDA fallback one fires
    for valid queries ranked on the requested CPU; features dump into an
    existing folder with the metric name."""
    samples = make_samples(orphan_query=False)
    path = tmp_path / 'features.pth'
    metric = ReIDMetric(device='cpu', metric='cosine', dump_features=str(path))
    metric.process(None, samples)
    with warnings.catch_warnings():  # run_metric would silence them
        warnings.simplefilter('error')
        metric.evaluate(len(samples))
    assert torch.load(path)['metric'] == 'cosine'


def test_scalar_ids_become_python_scalars():
    from mmsona.evaluation.metrics.reid_metric import _scalar
    for value, want in ((np.int64(3), 3), (torch.tensor(5), 5),
                        (torch.tensor([True]), True), (7, 7)):
        got = _scalar(value)
        assert got == want and type(got) is type(want)
    pair = torch.tensor([1, 2])
    assert _scalar(pair) is pair


@pytest.mark.parametrize('to_array', [np.asarray, lambda t: t.tolist()])
def test_process_takes_array_features_and_a_missing_image_path(to_array):
    """Features given as arrays or lists are kept as the tensors would be;
    a sample without ``img_path`` keeps an empty path."""
    samples = make_samples()
    metric = ReIDMetric()
    plain = []
    for s in samples:
        s = dict(s, pred_feature=to_array(s['pred_feature'].numpy()))
        del s['img_path']
        plain.append(s)
    metric.process(None, plain)
    for got, want in zip(metric.results, samples):
        assert isinstance(got['feature'], torch.Tensor)
        np.testing.assert_array_equal(got['feature'].numpy(),
                                      want['pred_feature'].numpy())
        assert got['img_path'] == ''


def test_ranking_steps_get_the_chunk_size_options_and_device(monkeypatch):
    """Query expansion and re-ranking get ``chunk_size`` (their memory
    bound); the re-ranked rows are evaluated with every ranking option, on
    the features' device."""
    from dataclasses import asdict

    from mmsona.evaluation.metrics import reid_metric
    calls = {}

    def spy(name):
        func = getattr(reid_metric, name)

        def record(*args, **kwargs):
            calls[name] = kwargs
            return func(*args, **kwargs)

        monkeypatch.setattr(reid_metric, name, record)

    for name in ('query_expansion', 'KReciprocalReRanker',
                 'evaluate_distance_rows'):
        spy(name)
    metric = ReIDMetric(
        aqe=True,
        rerank=True,
        chunk_size=3,
        max_rank=60,
        topk=(1, 60),
        ap_mode='trapezoid')
    got = run_metric(metric, make_samples(num_query=8, num_gallery=70))
    assert 'reid/R60' in got
    assert calls['query_expansion']['chunk_size'] == 3
    assert calls['KReciprocalReRanker']['chunk_size'] == 3
    options = dict(calls['evaluate_distance_rows'])
    assert options.pop('device') == torch.device('cpu')
    assert options == asdict(metric.ranking)


def test_ranking_device_is_the_first_feature_s_or_the_cpu(monkeypatch):
    """Without a requested device the features' own device is used (the
    first feature's), the CPU before any; the sharded split gets it."""
    from mmsona.evaluation.metrics import reid_metric
    metric = ReIDMetric(gallery_sharded=True)
    assert metric._resolve_device() == torch.device('cpu')
    samples = make_samples(orphan_query=False)
    metric.process(None, samples[:1])
    assert metric._feature_device == samples[0]['pred_feature'].device
    metric.process(None, samples[1:])
    devices = []
    split_results = reid_metric.split_results

    def spy(results, size, device):
        devices.append(device)
        return split_results(results, size, device)

    monkeypatch.setattr(reid_metric, 'split_results', spy)
    metric.evaluate(len(samples))
    assert devices == [torch.device('cpu')]


def test_missing_keys_name_the_sample_s_image():
    metric = ReIDMetric()
    sample = dict(pred_feature=torch.ones(2), pid=1, img_path='cam1/7.jpg')
    for missing in ('pid', 'is_query'):
        with pytest.raises(KeyError, match='cam1/7.jpg'):
            metric.process(None, [{
                k: v
                for k, v in dict(sample, is_query=True).items() if k != missing
            }])
    assert metric.results == []
