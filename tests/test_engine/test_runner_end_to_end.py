"""A short Runner run of the demo config: train, validate, reload, test."""
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.runner import Runner
from tool_helpers import tiny_model_options  # noqa: I100

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.fixture(scope='module')
def trained_run(tmp_path_factory, make_tiny_demo_cfg, tiny_synthetic_root):
    """Train the tiny demo for one epoch and validate (module-scoped)."""
    root = tmp_path_factory.mktemp('e2e')
    cfg = make_tiny_demo_cfg(str(root / 'work'), tiny_synthetic_root)
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.message_hub.get_scalar('val/reid/mAP')
    return root, cfg, runner, metrics


@pytest.mark.slow
def test_train_then_validate_reports_reid_metrics(trained_run):
    root, cfg, runner, _ = trained_run
    scalars = runner.message_hub.log_scalars
    for key in ('R1', 'R5', 'R10', 'mAP', 'mINP'):
        value = scalars[f'val/reid/{key}'].current()
        assert 0.0 <= value <= 100.0
    assert osp.isfile(osp.join(cfg.work_dir, 'epoch_1.pth'))
    losses = [k for k in scalars if k.startswith('train/loss_')]
    assert {'train/loss_global_triplet', 'train/loss_local_cls'} <= set(losses)


@pytest.mark.slow
def test_checkpoint_reload_reproduces_metrics_exactly(trained_run):
    root, cfg, runner, _ = trained_run
    val = {
        k.split('/', 1)[1]: v.current()
        for k, v in runner.message_hub.log_scalars.items()
        if k.startswith('val/reid/')
    }
    ckpt = osp.join(cfg.work_dir, 'epoch_1.pth')
    data_root = cfg.test_dataloader.dataset.data_root
    out = subprocess.run([
        sys.executable,
        osp.join(REPO, 'tools', 'test.py'),
        osp.join(REPO, 'configs', 'sona',
                 'sona_r18_synthetic.py'), ckpt, '--work-dir',
        str(root / 'test'), '--cfg-options', *tiny_model_options(),
        f'test_dataloader.dataset.data_root={data_root}',
        'test_dataloader.dataset.size=tiny', 'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False'
    ],
                         capture_output=True,
                         text=True,
                         cwd=REPO,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    printed = dict(
        line.split(': ') for line in out.stdout.splitlines()
        if line.startswith('reid/'))
    for key in ('R1', 'mAP', 'mINP'):
        assert float(printed[f'reid/{key}']) == pytest.approx(
            val[f'reid/{key}'], abs=0.005), key


@pytest.mark.slow
def test_checkpoint_loads_with_full_unpickling(trained_run):
    _, cfg, _, _ = trained_run
    from mmengine.runner import CheckpointLoader
    ckpt = CheckpointLoader.load_checkpoint(
        osp.join(cfg.work_dir, 'epoch_1.pth'), map_location='cpu')
    assert 'message_hub' in ckpt and 'optimizer' in ckpt
    assert any(
        k.startswith('backbone.sona_layers') for k in ckpt['state_dict'])
    assert all(
        torch.isfinite(v).all() for v in ckpt['state_dict'].values()
        if v.is_floating_point())
