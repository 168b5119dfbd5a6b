import os.path as osp

import pytest

from mmsona.datasets import SyntheticReID, dist_prepare
from mmsona.datasets.synthetic import MARKER_FILE
from mmsona.registry import DATASETS


def test_generates_on_demand_and_reads_market_layout(tmp_path):
    root = str(tmp_path / 'syn')
    train = DATASETS.build(
        dict(type='SyntheticReID', data_root=root, size='tiny', split='train'))
    assert osp.isfile(osp.join(root, MARKER_FILE))
    assert train.metainfo['num_classes'] == 12
    labels = train.get_gt_labels()
    assert sorted(set(labels.tolist())) == list(range(12))
    test = SyntheticReID(root, split='test', size='tiny')
    meta = test.metainfo
    assert meta['num_pids'] == 10 and meta['num_classes'] == 12
    assert meta['num_distractors'] == 6 and meta['num_junk'] == 4
    assert meta['num_query'] + meta['num_gallery'] == len(test)
    info = test.get_data_info(0)
    assert info['is_query'] and info['img_path'].startswith(
        osp.join(root, 'query'))


def test_generate_false_requires_a_benchmark(tmp_path):
    with pytest.raises(FileNotFoundError, match='make_synthetic_reid'):
        SyntheticReID(str(tmp_path / 'none'), size='tiny', generate=False)


def test_prepare_runs_on_rank0_only(monkeypatch):
    calls, barriers = [], []
    monkeypatch.setattr(dist_prepare, 'barrier', lambda: barriers.append(1))
    monkeypatch.setattr(dist_prepare, 'get_dist_info', lambda: (1, 2))
    dist_prepare.prepare_on_main_process(calls.append, 'x')
    assert calls == [] and barriers == [1]
    monkeypatch.setattr(dist_prepare, 'get_dist_info', lambda: (0, 2))
    dist_prepare.prepare_on_main_process(calls.append, 'x')
    assert calls == ['x'] and barriers == [1, 1]

    def fail():
        raise RuntimeError('disk full')

    # Rank 0 reaches the barrier before re-raising, so nobody hangs.
    with pytest.raises(RuntimeError, match='disk full'):
        dist_prepare.prepare_on_main_process(fail)
    assert barriers == [1, 1, 1]


def test_custom_preset_from_a_config_dict(tmp_path):
    root = str(tmp_path / 'custom')
    preset = dict(
        num_train_ids=5,
        num_test_ids=4,
        num_cameras=3,
        cameras_per_id=[2, 2],
        images_per_id=[4, 4],
        max_queries_per_id=1,
        num_junk=1,
        num_distractors=2)
    train = SyntheticReID(root, size=preset, split='train')
    assert train.metainfo['num_classes'] == 5 and len(train) == 20
    test = SyntheticReID(root, size=preset, split='test')
    assert test.metainfo['num_query'] == 4
    # Another preset in the same folder regenerates it.
    bigger = dict(preset, num_train_ids=6)
    assert SyntheticReID(root, size=bigger).metainfo['num_classes'] == 6
    with pytest.raises(ValueError, match='Invalid synthetic preset'):
        SyntheticReID(root, size=dict(num_train_ids=3))
