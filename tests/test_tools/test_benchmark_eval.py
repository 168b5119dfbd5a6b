"""The benchmark's full-argsort baseline and synthetic data are sound."""
import importlib.util
import os.path as osp

import numpy as np
import pytest
import torch

from mmsona.evaluation.functional import compute_distance, evaluate_rank
from mmsona.evaluation.functional.reference import reference_evaluate

SCRIPT = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'tools',
    'analysis_tools', 'benchmark_eval.py')


@pytest.fixture(scope='module')
def bench():
    spec = importlib.util.spec_from_file_location('benchmark_eval', SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def small_tiny(bench, monkeypatch):
    """The benchmark's ``tiny`` scale at 20 queries x 90 gallery items."""
    monkeypatch.setitem(
        bench.SCALES, 'tiny',
        dict(
            num_query=20,
            num_gallery=90,
            num_ids=6,
            num_cams=3,
            num_distractors=10))


def test_full_argsort_baseline_agrees(bench, make_ids):
    rng = np.random.default_rng(0)
    q_pids, g_pids, q_cams, g_cams = make_ids(rng, 30, 200, 10, 4)
    # As in the benchmark: no junk, NumPy's default sort.
    ids = (q_pids, np.maximum(g_pids, 0), q_cams, g_cams)
    # Features of their own seed: from the global stream, an earlier test's
    # draws decide them, and an exact tie between two distances orders
    # differently under NumPy's quicksort.
    gen = torch.Generator().manual_seed(0)
    q = torch.randn(30, 8, generator=gen)
    g = torch.randn(200, 8, generator=gen)
    distmat = bench.full_distance(q, g)
    torch.testing.assert_close(distmat, compute_distance(q, g))
    base = reference_evaluate(distmat.numpy(), *ids, sort_kind='quicksort')
    ours = evaluate_rank(distmat, *ids)
    np.testing.assert_allclose(base['cmc'], ours['cmc'], atol=1e-12)
    for key in ('mAP', 'mINP', 'num_valid_queries'):
        assert base[key] == pytest.approx(ours[key], abs=1e-12)
    blocked = reference_evaluate(
        distmat.numpy(), *ids, block_rows=7, sort_kind='quicksort')
    np.testing.assert_array_equal(blocked['cmc'], base['cmc'])
    assert blocked['mAP'] == base['mAP']


def test_synthetic_features_are_deterministic(bench, small_tiny, tmp_path):
    for name in ('a', 'b'):
        (tmp_path / name).mkdir()
        bench.make_features(str(tmp_path / name), 'tiny', 16, 0.5, 3)
    for name in ('query_feats', 'gallery_pids', 'gallery_camids'):
        a = np.load(tmp_path / 'a' / f'{name}.npy')
        np.testing.assert_array_equal(a,
                                      np.load(tmp_path / 'b' / f'{name}.npy'))
    g_pids = np.load(tmp_path / 'a' / 'gallery_pids.npy')
    assert (g_pids == 0).sum() == 10 and g_pids.max() <= 6


def test_market500k_scale_and_full_argsort_need(bench):
    spec = bench.SCALES['market500k']
    assert (spec['num_query'], spec['num_gallery']) == (3368, 500000)
    # Market1501's 15,913 labelled items, 2,793 of them distractors, plus
    # distractors up to 500,000.
    assert spec['num_gallery'] - spec['num_distractors'] == 15913 - 2793
    # float32 distances, int64 argsort, int32 matches, bool comparison.
    assert bench.full_argsort_need_mb('market500k') * 2**20 == \
        3368 * 500000 * (4 + 8 + 4 + 1)


@pytest.mark.slow
def test_tiny_run_prints_every_method(bench, tmp_path, capsys):
    bench.main([
        '--scales', 'tiny', '--dim', '16', '--threads', '1', '--noise', '0.5',
        '--tmpdir',
        str(tmp_path)
    ])
    out = capsys.readouterr().out
    for mode in ('distance', 'mmsona', 'full-argsort', 'mmsona-sharded'):
        assert f'| {mode} |' in out
    assert 'failed' not in out
    assert 'sharded, 2 processes: rank 0 holds the queries' in out
    assert "sharded metrics equal mmsona's: yes" in out
    assert 'metrics agree (|diff| <= 1e-4, same valid queries): yes' in out


@pytest.mark.skipif(torch.cuda.is_available(), reason='checks the refusal')
def test_cuda_device_without_cuda_is_refused(bench):
    with pytest.raises(
            SystemExit, match='--device cuda: no CUDA device is available'):
        bench.main(['--scales', 'tiny', '--device', 'cuda'])


def test_worker_on_the_cpu_reports_its_device(bench, small_tiny, tmp_path):
    bench.make_features(str(tmp_path), 'tiny', 16, 0.5, 3)
    result = bench.run_worker('mmsona', str(tmp_path), 1, device='cpu')
    assert result['device'] == 'cpu' and 'gpu_peak_mb' not in result
    # The CPU-only modes ignore --device.
    result = bench.run_worker('full-argsort', str(tmp_path), 1, device='cuda')
    assert result['device'] == 'cpu'
    assert 0 <= result['R1'] <= 1


@pytest.mark.slow
def test_skipped_measurements_are_left_out(bench, tmp_path, capsys):
    bench.main([
        '--scales', 'tiny', '--dim', '16', '--threads', '1', '--noise', '0.5',
        '--tmpdir',
        str(tmp_path), '--skip', 'full-argsort', 'mmsona-sharded'
    ])
    out = capsys.readouterr().out
    assert '| distance |' in out and '| mmsona |' in out
    assert '| full-argsort |' not in out and 'sharded' not in out
    assert 'mmsona / distance matrix' in out
