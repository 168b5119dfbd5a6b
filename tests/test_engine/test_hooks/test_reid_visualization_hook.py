"""ReIDVisualizationHook in a two-iteration Runner run, and on rank != 0."""
import glob
import os.path as osp
import uuid

import cv2
import pytest
from mmengine.runner import Runner
from tool_helpers import TINY_MODEL  # noqa: I100

from mmsona.engine.hooks import ReIDVisualizationHook
from mmsona.engine.hooks import reid_visualization_hook as hook_module
from mmsona.visualization import ReIDVisualizer


def runner_cfg(work_dir: str, data_root: str, **hook_kwargs) -> dict:
    """A narrow ResNet-18 SONA-Net on the tiny synthetic set at 64 x 32."""
    test_pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='Resize', scale=(32, 64)),
        dict(type='PackReIDInputs'),
    ]
    train_pipeline = test_pipeline[:2] + [
        dict(type='RandomFlip', prob=0.5, direction='horizontal'),
        dict(type='PackReIDInputs'),
    ]
    data = dict(type='SyntheticReID', data_root=data_root, size='tiny')
    hook = dict(
        type='ReIDVisualizationHook',
        enable=True,
        num_queries=3,
        topk=5,
        thumb_size=(64, 32),
        draw_attention=True)
    hook.update(hook_kwargs)
    return dict(
        model=dict(
            type='ReIDNet',
            backbone=dict(
                type='SONAResNet',
                depth=18,
                strides=(1, 2, 1, 1),
                dilations=(1, 1, 2, 4),
                **TINY_MODEL['backbone']),
            head=dict(type='DualBranchHead', **TINY_MODEL['head'])),
        work_dir=work_dir,
        experiment_name=f'vis_{uuid.uuid4().hex[:8]}',
        train_dataloader=dict(
            batch_size=8,
            num_workers=0,
            sampler=dict(type='IdentitySampler', num_instances=4, seed=0),
            dataset=dict(split='train', pipeline=train_pipeline, **data)),
        val_dataloader=dict(
            batch_size=32,
            num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=dict(split='test', pipeline=test_pipeline, **data)),
        val_evaluator=dict(type='ReIDMetric'),
        val_cfg=dict(),
        test_dataloader=dict(
            batch_size=32,
            num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=dict(split='test', pipeline=test_pipeline, **data)),
        test_evaluator=dict(type='ReIDMetric'),
        test_cfg=dict(),
        train_cfg=dict(by_epoch=False, max_iters=2, val_interval=2),
        optim_wrapper=dict(optimizer=dict(type='Adam', lr=1e-4)),
        default_hooks=dict(
            logger=dict(type='LoggerHook', interval=1),
            checkpoint=dict(
                type='AtomicCheckpointHook',
                by_epoch=False,
                interval=2,
                save_best='reid/R1_mAP',
                rule='greater')),
        custom_hooks=[hook],
        visualizer=dict(
            type='ReIDVisualizer',
            vis_backends=[dict(type='LocalVisBackend')]),
        default_scope='mmsona',
        randomness=dict(seed=0),
        log_level='WARNING')


@pytest.mark.slow
def test_two_iteration_run_writes_rank_lists_and_attention(
        tmp_path, tiny_synthetic_root):
    runner = Runner.from_cfg(
        runner_cfg(str(tmp_path / 'work'), tiny_synthetic_root))
    runner.train()
    vis_dir = tmp_path / 'work' / 'vis' / 'iter_2'
    ranks = sorted(glob.glob(str(vis_dir / 'val_rank_q*.png')))
    attention = glob.glob(str(vis_dir / 'attention_stage2_*.png'))
    assert len(ranks) == 3 and len(attention) == 1
    img = cv2.imread(ranks[0])
    assert img.shape[0] > 64 and img.shape[1] > 5 * 32
    # The same seeded queries every time; names carry the query file name.
    stems = [osp.basename(p).split('_', 3)[-1] for p in ranks]
    assert all(s.endswith('.png') and 'c' in s for s in stems)
    # Also recorded by the visualizer's backend.
    backend = glob.glob(
        str(tmp_path / 'work' / '*' / 'vis_data' / 'vis_image' / '*.png'))
    assert len(backend) == 4
    # (R1 + mAP) / 2 is a metric and selects the best checkpoint.
    scalars = {
        k: v.current()
        for k, v in runner.message_hub.log_scalars.items()
    }
    assert scalars['val/reid/R1_mAP'] == pytest.approx(
        (scalars['val/reid/R1'] + scalars['val/reid/mAP']) / 2)
    assert glob.glob(str(tmp_path / 'work' / 'best_reid_R1_mAP_iter_2.pth'))

    # Test mode writes straight into <work_dir>/vis, same queries.
    runner.test()
    test_ranks = sorted(glob.glob(str(tmp_path / 'work' / 'vis' / 'rank_*')))
    assert [osp.basename(p)[5:]
            for p in test_ranks] == [osp.basename(p)[9:] for p in ranks]


@pytest.mark.slow
def test_nothing_is_written_on_other_ranks(tmp_path, tiny_synthetic_root,
                                           monkeypatch):
    gathered = []

    def collect_on_rank1(results, size, device='cpu'):
        gathered.append(len(results))
        # Through the process group (MMEngine's 'gpu' mode, gloo on CPUs
        # too), not a temporary folder that other nodes cannot see.
        assert device == 'gpu'
        return None  # what MMEngine returns on ranks != 0

    monkeypatch.setattr(hook_module, 'get_rank', lambda: 1)
    monkeypatch.setattr(hook_module, 'collect_results', collect_on_rank1)
    cfg = runner_cfg(str(tmp_path / 'work'), tiny_synthetic_root)
    cfg.pop('train_dataloader')
    cfg.pop('train_cfg')
    cfg.pop('optim_wrapper')
    runner = Runner.from_cfg(cfg)
    runner.test()
    assert gathered and gathered[0] > 0  # rank 1 took part in the gather
    assert not glob.glob(
        str(tmp_path / 'work' / 'vis' / '**' / '*.png'), recursive=True)


@pytest.mark.slow
def test_pictures_reach_the_backends_of_a_plain_visualizer(
        tmp_path, tiny_synthetic_root):
    """Another visualizer class: drawn by the hook, recorded by the
    runner's visualizer (its public ``add_image``)."""
    cfg = runner_cfg(str(tmp_path / 'work'), tiny_synthetic_root)
    for key in ('train_dataloader', 'train_cfg', 'optim_wrapper'):
        cfg.pop(key)
    cfg['visualizer'] = dict(
        type='Visualizer',
        name=f'plain_{uuid.uuid4().hex[:8]}',
        vis_backends=[dict(type='LocalVisBackend')])
    runner = Runner.from_cfg(cfg)
    assert not isinstance(runner.visualizer, ReIDVisualizer)
    runner.test()
    assert len(glob.glob(str(tmp_path / 'work' / 'vis' / 'rank_*.png'))) == 3
    backend = glob.glob(
        str(tmp_path / 'work' / '*' / 'vis_data' / 'vis_image' / '*.png'))
    assert len(backend) == 4


def test_disabled_hook_collects_nothing():
    hook = ReIDVisualizationHook(enable=False)
    hook.after_test_iter(None, 0, outputs=[object()])
    assert hook._results == []


def test_hook_rejects_bad_options():
    with pytest.raises(ValueError, match='metric'):
        ReIDVisualizationHook(metric='l1')
    with pytest.raises(ValueError, match='attention_position'):
        ReIDVisualizationHook(attention_position=(2, 0.5))
