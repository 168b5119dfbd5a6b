"""The data tools of tools/: dataset_stats, benchmark_dataloader,
make_synthetic_reid and synthetic_floor."""
import importlib.util
import os.path as osp

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _tool(relpath):
    path = osp.join(ROOT, relpath)
    spec = importlib.util.spec_from_file_location(
        osp.splitext(osp.basename(path))[0], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _config(tmp_path, data_root, pipeline=()):
    text = f'''
default_scope = 'mmsona'
pipeline = {list(pipeline)!r}
train_dataloader = dict(
    batch_size=4, num_workers=0,
    sampler=dict(type='IdentitySampler', num_instances=2),
    dataset=dict(type='Market1501', data_root={data_root!r},
                 split='train', pipeline=pipeline))
val_dataloader = dict(
    batch_size=4, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='Market1501', data_root={data_root!r},
                 split='test', pipeline=pipeline))
test_dataloader = val_dataloader
'''
    path = tmp_path / 'cfg.py'
    path.write_text(text)
    return str(path)


@pytest.mark.slow
def test_dataset_stats_prints_splits_and_checks(tmp_path, market_root, capsys):
    tool = _tool('tools/analysis_tools/dataset_stats.py')
    cfg = _config(tmp_path, market_root)
    assert tool.main([cfg]) == 0
    out = capsys.readouterr()
    lines = out.out.splitlines()
    rows = {line.split()[1]: line.split() for line in lines[1:4]}
    assert set(rows) == {'train', 'query', 'gallery'}
    # ids, images, cams, distractors, junk
    assert rows['train'][2:7] == ['3', '5', '4', '0', '1']
    assert rows['query'][2:7] == ['2', '3', '3', '0', '0']
    assert rows['gallery'][2:7] == ['2', '5', '4', '2', '2']
    # The fake tree is far from the published Market1501 numbers.
    assert 'DIFFERS' in out.out and 'different release' in out.err
    assert tool.main([cfg, '--check']) == 1
    assert tool.main([_config(tmp_path, str(tmp_path / 'none'))]) == 2
    assert 'zheng-lab' in capsys.readouterr().err


@pytest.mark.slow
def test_benchmark_dataloader_reports_images_per_second(
        tmp_path, market_root, capsys):
    tool = _tool('tools/analysis_tools/benchmark_dataloader.py')
    pipeline = [
        dict(type='LoadReIDImage'),
        dict(type='Resize', scale=(64, 128)),
        dict(type='PackReIDInputs')
    ]
    cfg = _config(tmp_path, market_root, pipeline)
    assert tool.main([cfg, '--workers', '0', '--batches', '3']) == 0
    out = capsys.readouterr().out
    assert 'num_workers=0 batch_size=4' in out and 'images/s' in out
    assert 'ms CPU per batch' in out
    with pytest.raises(SystemExit):
        tool.parse_args([cfg, '--workers', '-1'])
    with pytest.raises(SystemExit):
        tool.parse_args([cfg, '--repeats', '0'])


@pytest.mark.slow
def test_benchmark_dataloader_compares_collates_interleaved(
        tmp_path, market_root, capsys):
    tool = _tool('tools/analysis_tools/benchmark_dataloader.py')
    pipeline = [
        dict(type='LoadReIDImage'),
        dict(type='Resize', scale=(64, 128)),
        dict(type='PackReIDInputs')
    ]
    cfg = _config(tmp_path, market_root, pipeline)
    assert tool.main([
        cfg, '--workers', '0', '--batches', '2', '--repeats', '2', '--collate',
        'pseudo_collate', 'default_collate', '--with-model', '--model-iters',
        '1', '--cfg-options', 'model.type=ReIDNet',
        'model.backbone.type=SONAResNet', 'model.backbone.depth=18',
        'model.backbone.stem_channels=8', 'model.backbone.base_channels=8',
        'model.head.type=DualBranchHead', 'model.head.in_channels=64',
        'model.head.num_classes=3', 'model.head.global_dim=8',
        'model.head.local_dim=8'
    ]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith('  loader')]
    # Interleaved: A B A B, each with the main process's CPU time.
    assert [line.split()[3]
            for line in lines] == ['pseudo_collate:', 'default_collate:'] * 2
    assert all('ms CPU per batch' in line for line in lines)
    assert 'num_workers=0 default_collate:' in out  # the medians
    assert 'training step on cpu:' in out


@pytest.mark.slow
def test_make_synthetic_reid_cli(tmp_path, capsys):
    tool = _tool('tools/misc/make_synthetic_reid.py')
    out_dir = str(tmp_path / 'syn')
    assert tool.main(['--out', out_dir, '--size', 'tiny',
                      '--no-progress']) == 0
    assert 'train 79 images of 12 ids' in capsys.readouterr().out
    assert tool.main(['--out', out_dir, '--size', 'tiny']) == 0
    assert 'already holds' in capsys.readouterr().out
    (tmp_path / 'file').write_text('x')
    assert tool.main(['--out', str(tmp_path / 'file'), '--size', 'tiny']) == 2
    with pytest.raises(SystemExit):
        tool.parse_args(['--size', 'huge'])


@pytest.mark.slow
@pytest.mark.parametrize('difficulty', ['hard', 'relational'])
def test_synthetic_floor_against_the_expected_rank1(capsys, difficulty):
    import numpy as np

    from mmsona.apis import reference_metrics
    from mmsona.datasets.synthetic import (get_preset, identity_groups,
                                           plan_benchmark)
    tool = _tool('tools/analysis_tools/synthetic_floor.py')
    normal = reference_metrics('tiny', 'normal', 0, draws=2)
    assert all(v == [100.0, 100.0] for v in normal.values())

    # Expected R1 of a random order inside the group: per query, the share
    # of true matches among the group's valid gallery images.
    plan = plan_benchmark(get_preset('tiny'), 0, difficulty)
    groups = identity_groups(len(plan.pids) - plan.num_train_ids, difficulty)

    def group_of(im):
        return groups[im.identity - plan.num_train_ids]

    gallery = [
        im for im in plan.images
        if im.relpath.startswith('bounding_box_test/') and im.identity >= 0
    ]
    shares = []
    for q in (im for im in plan.images if im.relpath.startswith('query/')):
        valid = [
            g for g in gallery if group_of(g) == group_of(q)
            and not (g.identity == q.identity and g.camera == q.camera)
        ]
        true = [g for g in valid if g.identity == q.identity]
        shares.append(len(true) / len(valid))
    blind = reference_metrics('tiny', difficulty, 0, draws=300)
    assert np.mean(blind['R1']) == pytest.approx(
        100 * np.mean(shares), abs=3.0)
    assert np.mean(blind['R10']) > np.mean(blind['R1'])

    tool.main(['--size', 'tiny', '--draws', '2', '--difficulty', difficulty])
    out = capsys.readouterr().out
    assert 'R1' in out
    assert ('part oracle' in out) == (difficulty == 'relational')
    with pytest.raises(SystemExit):
        tool.parse_args(['--draws', '0'])
    if difficulty == 'relational':
        oracle = reference_metrics('tiny', difficulty, 0, 'part_oracle')
        assert oracle['mAP'] == [100.0] and oracle['R1'] == [100.0]
    else:
        with pytest.raises(ValueError, match='relational probe only'):
            reference_metrics('tiny', difficulty, 0, 'part_oracle')
