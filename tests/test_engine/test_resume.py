"""Resume without loss: a run killed mid-epoch and resumed ends with the
weights of an uninterrupted run (atomic checkpoints, RNG states)."""
import os
import os.path as osp
import subprocess
import sys
import textwrap

import pytest
import torch
from tool_helpers import TINY_MODEL  # noqa: I100

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

HELPERS = '''
import os
import signal

from mmengine.evaluator import BaseMetric
from mmengine.hooks import Hook

from mmsona.registry import HOOKS, METRICS


@HOOKS.register_module(force=True)
class KillAtHook(Hook):
    """SIGKILL this process in the middle of an epoch."""

    def __init__(self, epoch, batch_idx):
        self.epoch = epoch
        self.batch_idx = batch_idx

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if runner.epoch == self.epoch and batch_idx == self.batch_idx:
            os.kill(os.getpid(), signal.SIGKILL)


@METRICS.register_module(force=True)
class CountingMetric(BaseMetric):
    default_prefix = 'reid'

    def process(self, data_batch, data_samples):
        self.results.append(len(data_samples))

    def compute_metrics(self, results):
        return dict(R1=float(sum(results)), mAP=0.0)
'''

# The tiny model's trunk and head, built from its own types on the default
# runtime alone (no data preprocessor), with DropBlock+.
MODEL = dict(
    type='ReIDNet',
    backbone=dict(
        type='SONAResNet',
        depth=18,
        strides=(1, 2, 1, 1),
        dilations=(1, 1, 2, 4),
        **TINY_MODEL['backbone']),
    head=dict(
        type='DualBranchHead',
        dropblock=dict(
            type='DropBlockPlus', h_range=(0.1, 0.5), w_range=(1.0, 1.0)),
        **TINY_MODEL['head']))

CONFIG = '''
custom_imports = dict(imports=['resume_helpers'], allow_failed_imports=False)
_base_ = [{runtime!r}]
data = dict(type='SyntheticReID', data_root={data_root!r}, size='tiny')
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(32, 64)),
    dict(type='PackReIDInputs'),
]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(32, 64)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomCrop', crop_size=(64, 32), padding=4),
    dict(type='PackReIDInputs'),
]
model = {model!r}
train_dataloader = dict(
    batch_size=8, num_workers=0,
    sampler=dict(type='IdentitySampler', num_instances=4),
    dataset=dict(split='train', pipeline=train_pipeline, **data))
val_dataloader = dict(
    batch_size=64, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(split='test', pipeline=test_pipeline, **data))
val_evaluator = dict(type='CountingMetric')
val_cfg = dict()
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3, weight_decay=5e-4))
param_scheduler = [dict(type='MultiStepLR', milestones=[2], gamma=0.1)]
train_cfg = dict(by_epoch=True, max_epochs=3, val_interval=1)
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(interval=1, save_best=None, max_keep_ckpts=1))
randomness = dict(seed=0, deterministic=True)
log_level = 'WARNING'
'''


def _env(tmp_path) -> dict:
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        [str(tmp_path), REPO, env.get('PYTHONPATH', '')])
    env['OMP_NUM_THREADS'] = '1'
    return env


def _train(tmp_path, config: str, work_dir: str, *extra: str):
    return subprocess.Popen([
        sys.executable,
        osp.join(REPO, 'tools', 'train.py'), config, '--work-dir', work_dir,
        *extra
    ],
                            cwd=str(tmp_path),
                            env=_env(tmp_path),
                            stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT,
                            text=True)


@pytest.mark.slow
def test_killed_run_resumes_to_identical_weights(tmp_path,
                                                 tiny_synthetic_root):
    data_root = tiny_synthetic_root
    (tmp_path / 'resume_helpers.py').write_text(HELPERS)
    runtime = osp.join(REPO, 'configs', '_base_', 'default_runtime.py')
    full = tmp_path / 'full.py'
    full.write_text(
        CONFIG.format(runtime=runtime, data_root=data_root, model=MODEL))
    killed = tmp_path / 'killed.py'
    killed.write_text(
        textwrap.dedent('''
        _base_ = ['./full.py']
        custom_hooks = [
            dict(type='NonFiniteLossHook'), dict(type='RNGStateHook'),
            dict(type='KillAtHook', epoch=2, batch_idx=1)]
        '''))

    ref = _train(tmp_path, str(full), str(tmp_path / 'ref'))
    kill = _train(tmp_path, str(killed), str(tmp_path / 'run'))
    ref_out, _ = ref.communicate(timeout=300)
    kill_out, _ = kill.communicate(timeout=300)
    assert ref.returncode == 0, ref_out[-3000:]
    assert kill.returncode == -9, kill_out[-3000:]
    run = tmp_path / 'run'
    assert (run / 'epoch_2.pth').is_file()
    assert not (run / 'epoch_3.pth').exists()
    assert not (run / 'epoch_1.pth').exists()  # max_keep_ckpts=1

    resumed = _train(tmp_path, str(full), str(run), '--resume')
    out, _ = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, out[-3000:]

    a = torch.load(tmp_path / 'ref' / 'epoch_3.pth', weights_only=False)
    b = torch.load(run / 'epoch_3.pth', weights_only=False)
    assert a['meta']['iter'] == b['meta']['iter']
    assert a['state_dict'].keys() == b['state_dict'].keys()
    for key, value in a['state_dict'].items():
        assert torch.equal(value, b['state_dict'][key]), key
    assert len(b['rng_states']) == 1
