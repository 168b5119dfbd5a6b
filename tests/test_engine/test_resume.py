"""Resume without loss: atomic checkpoints, RNG states, kill and resume."""
import os
import os.path as osp
import subprocess
import sys
import textwrap
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from mmsona.engine.hooks import AtomicCheckpointHook, RNGStateHook
from mmsona.engine.hooks import atomic_checkpoint_hook as atomic_module
from mmsona.engine.hooks import get_rng_state, set_rng_state
from mmsona.utils.fileio import AtomicLocalBackend, atomic_write

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
model = dict(
    type='ReIDNet',
    backbone=dict(
        type='SONAResNet', depth=18, stem_channels=16, base_channels=16,
        strides=(1, 2, 1, 1), dilations=(1, 1, 2, 4)),
    head=dict(
        type='DualBranchHead', in_channels=128, num_classes=12,
        global_dim=16, local_dim=32,
        dropblock=dict(type='DropBlockPlus', h_range=(0.1, 0.5),
                       w_range=(1.0, 1.0))))
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
def test_killed_run_resumes_to_identical_weights(tmp_path):
    from mmsona.datasets.synthetic import generate_synthetic_reid
    data_root = str(tmp_path / 'data')
    generate_synthetic_reid(data_root, size='tiny', seed=0, num_workers=1)
    (tmp_path / 'resume_helpers.py').write_text(HELPERS)
    runtime = osp.join(REPO, 'configs', '_base_', 'default_runtime.py')
    full = tmp_path / 'full.py'
    full.write_text(CONFIG.format(runtime=runtime, data_root=data_root))
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


def test_atomic_write_keeps_old_file_when_interrupted(tmp_path, monkeypatch):
    target = tmp_path / 'epoch_1.pth'
    atomic_write(b'old', target)

    def broken_replace(src, dst):
        raise KeyboardInterrupt  # a kill between writing and renaming

    monkeypatch.setattr(atomic_module.os, 'replace', broken_replace)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(b'new', target)
    assert target.read_bytes() == b'old'
    assert os.listdir(tmp_path) == ['epoch_1.pth']


class _FakeRunner:
    """Just enough of a Runner for the checkpoint hook."""

    def __init__(self, work_dir: str) -> None:
        from mmengine.logging import MessageHub
        self.work_dir = work_dir
        self.message_hub = MessageHub.get_instance(f'ckpt_{id(self)}')
        self.epoch = 0
        self.iter = 0
        self.fail = False
        self.logger = SimpleNamespace(info=lambda *a, **k: None)

    def save_checkpoint(self,
                        out_dir,
                        filename,
                        *args,
                        backend_args=None,
                        **kwargs):
        from mmengine.fileio import get_file_backend
        if self.fail:
            raise KeyboardInterrupt
        backend = get_file_backend(out_dir, backend_args=backend_args)
        backend.put(f'{filename}'.encode(), osp.join(out_dir, filename))


def test_checkpoint_hook_removes_outdated_only_after_saving(tmp_path):
    runner = _FakeRunner(str(tmp_path))
    hook = AtomicCheckpointHook(interval=1, max_keep_ckpts=1)
    stale = tmp_path / '.epoch_0.pth.abc.partial'
    stale.write_bytes(b'half')
    hook.before_train(runner)
    assert not stale.exists()
    assert isinstance(hook.file_backend, AtomicLocalBackend)
    hook._save_checkpoint(runner)
    assert (tmp_path / 'last_checkpoint').read_text().endswith('epoch_1.pth')
    runner.epoch = 1
    runner.fail = True  # killed while writing epoch_2.pth
    with pytest.raises(KeyboardInterrupt):
        hook._save_checkpoint(runner)
    assert (tmp_path / 'epoch_1.pth').is_file()
    assert (tmp_path / 'last_checkpoint').read_text().endswith('epoch_1.pth')
    runner.fail = False
    hook._save_checkpoint(runner)
    assert sorted(os.listdir(tmp_path)) == ['epoch_2.pth', 'last_checkpoint']


def test_rng_state_round_trip():
    state = get_rng_state()
    a = (torch.rand(3), np.random.rand(3), __import__('random').random())
    set_rng_state(state)
    b = (torch.rand(3), np.random.rand(3), __import__('random').random())
    assert torch.equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert a[2] == b[2]


def test_rng_hook_restores_only_on_resume_and_hides_validation():
    hook = RNGStateHook(by_epoch=True, interval=1)
    runner = SimpleNamespace(epoch=2, iter=10)
    torch.manual_seed(1)
    hook.after_train_epoch(SimpleNamespace(epoch=1, iter=10, train_loop=None))
    saved = {}
    hook.before_save_checkpoint(runner, saved)
    expected = torch.rand(2)

    # load_from: the loop starts at 0, the seed's stream is kept.
    hook.after_load_checkpoint(runner,
                               dict(saved, meta=dict(epoch=2, iter=10)))
    torch.manual_seed(5)
    hook.before_train(SimpleNamespace(epoch=0, iter=0))
    assert not torch.equal(torch.rand(2), expected)

    # resume: the loop continues at the checkpoint's position.
    hook.after_load_checkpoint(runner,
                               dict(saved, meta=dict(epoch=2, iter=10)))
    torch.manual_seed(5)
    hook.before_train(runner)
    hook.before_val(runner)
    torch.rand(100)  # validation draws
    hook.after_val(runner)
    assert torch.equal(torch.rand(2), expected)
