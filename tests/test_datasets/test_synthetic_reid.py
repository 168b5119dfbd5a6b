import os.path as osp

import pytest

from mmsona.datasets import SyntheticReID
from mmsona.datasets.synthetic import MARKER_FILE
from mmsona.registry import DATASETS
from mmsona.utils import dist as dist_prepare


@pytest.mark.slow
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


@pytest.mark.slow
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


def _multi_node(monkeypatch, rank, local_rank, nodes=2, per_node=2):
    """Pretend to be ``rank`` of a torchrun job on ``nodes`` nodes."""
    monkeypatch.setattr(dist_prepare, 'get_dist_info', lambda:
                        (rank, nodes * per_node))
    monkeypatch.setenv('GROUP_WORLD_SIZE', str(nodes))
    monkeypatch.setenv('LOCAL_WORLD_SIZE', str(per_node))
    monkeypatch.setenv('LOCAL_RANK', str(local_rank))


def test_prepare_on_other_nodes_only_where_rank0s_files_are_missing(
        monkeypatch):
    calls, barriers, visible = [], [], []
    monkeypatch.setattr(dist_prepare, 'barrier', lambda: barriers.append(1))

    def prepare():
        dist_prepare.prepare_on_main_process(
            calls.append, 'x', is_prepared=lambda: bool(visible))

    # The first process of node 1, no shared file system: it prepares.
    _multi_node(monkeypatch, rank=2, local_rank=0)
    prepare()
    assert calls == ['x'] and barriers == [1, 1]
    # With a shared file system it sees rank 0's files: nothing twice.
    visible.append(True)
    prepare()
    assert calls == ['x'] and barriers == [1, 1, 1, 1]
    # The other process of node 1 waits for it; rank 0 prepares once.
    visible.clear()
    _multi_node(monkeypatch, rank=3, local_rank=1)
    prepare()
    _multi_node(monkeypatch, rank=0, local_rank=0)
    prepare()
    assert calls == ['x', 'x'] and barriers == [1] * 8
    # One node: as before, one barrier and rank 0 alone.
    _multi_node(monkeypatch, rank=1, local_rank=1, nodes=1, per_node=2)
    prepare()
    assert calls == ['x', 'x'] and barriers == [1] * 9


@pytest.mark.slow
def test_two_nodes_without_a_shared_file_system_each_get_the_benchmark(
        tmp_path):
    from dist_helpers import free_port, run_ranks
    here = osp.dirname(osp.abspath(__file__))
    port = free_port()
    run_ranks(
        osp.join(here, '_multi_node_worker.py'),
        (2, port, str(tmp_path), False), 2)
    for rank in range(2):
        assert (tmp_path / f'node{rank}' / 'train_size.txt').read_text() \
            == '79'
        assert (tmp_path / f'node{rank}' / 'syn' / MARKER_FILE).is_file()
