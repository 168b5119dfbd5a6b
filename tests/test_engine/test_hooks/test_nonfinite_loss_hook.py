"""NonFiniteLossHook and IdentityBatchCheckHook."""
import math
import uuid
from types import SimpleNamespace

import pytest
import torch
from mmengine.model import BaseModel
from mmengine.runner import Runner

from mmsona.engine.hooks import (IdentityBatchCheckHook, NonFiniteLossError,
                                 NonFiniteLossHook)
from mmsona.engine.hooks import identity_batch_check_hook as batch_module
from mmsona.registry import MODELS


@MODELS.register_module(force=True)
class _NaNAtThirdStep(BaseModel):
    """A one-weight model whose second loss term is NaN at step 3."""

    def __init__(self) -> None:
        super().__init__()
        self.w = torch.nn.Parameter(torch.ones(1))
        self.steps = 0

    def forward(self, inputs, data_samples=None, mode='tensor'):
        self.steps += 1
        x = torch.stack(inputs).float()
        loss_b = (self.w * x).mean() * 0
        if self.steps == 3:
            loss_b = loss_b + math.nan
        return dict(loss_a=(self.w * x).pow(2).mean(), loss_b=loss_b)


def test_nonfinite_loss_stops_training_before_checkpoint(tmp_path):
    runner = Runner(
        model=dict(type='_NaNAtThirdStep'),
        work_dir=str(tmp_path),
        experiment_name=f'nan_{uuid.uuid4().hex[:8]}',
        train_dataloader=dict(
            dataset=[dict(inputs=torch.ones(2)) for _ in range(8)],
            sampler=dict(type='DefaultSampler', shuffle=False),
            batch_size=2,
            collate_fn=dict(type='pseudo_collate')),
        train_cfg=dict(by_epoch=False, max_iters=4),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', by_epoch=False,
                            interval=1)),
        custom_hooks=[dict(type='NonFiniteLossHook')],
        default_scope='mmsona',
        log_level='WARNING')
    with pytest.raises(NonFiniteLossError) as info:
        runner.train()
    message = str(info.value)
    assert 'iteration 3 ' in message and 'loss_b=nan' in message
    assert 'loss_a' in message  # the finite terms are listed too
    assert (tmp_path / 'iter_2.pth').is_file()
    assert not (tmp_path / 'iter_3.pth').exists()


def test_nonfinite_loss_hook_ignores_finite_and_non_loss_values():
    hook = NonFiniteLossHook()
    runner = SimpleNamespace(iter=0, epoch=0)
    hook.after_train_iter(
        runner,
        0,
        outputs=dict(
            loss=torch.tensor(1.0), acc=torch.tensor(math.inf), lr=0.1))
    with pytest.raises(NonFiniteLossError, match=r'loss_x=inf'):
        hook.after_train_iter(
            runner, 0, outputs=dict(loss=2.0, loss_x=torch.tensor(math.inf)))


def test_nonfinite_loss_on_another_rank_stops_this_one(monkeypatch):
    from mmsona.engine.hooks import nonfinite_loss_hook as module

    def all_reduce_from_rank1(flags, op='sum'):
        flags[1] = 1.0  # rank 1 saw NaN

    monkeypatch.setattr(module, 'get_world_size', lambda: 2)
    monkeypatch.setattr(module, 'get_rank', lambda: 0)
    monkeypatch.setattr(module, 'all_reduce', all_reduce_from_rank1)
    with pytest.raises(NonFiniteLossError, match=r'rank\(s\) \[1\]'):
        NonFiniteLossHook().after_train_iter(
            SimpleNamespace(iter=9, epoch=1),
            4,
            outputs=dict(loss=torch.tensor(0.5)))


def _runner_with_loader(batch_size: int, num_instances=None):
    sampler = SimpleNamespace(num_instances=num_instances)
    loader = SimpleNamespace(
        batch_size=batch_size, sampler=sampler, batch_sampler=None)
    return SimpleNamespace(train_dataloader=loader)


def test_batch_check_names_the_numbers_and_the_fix():
    hook = IdentityBatchCheckHook()
    hook.before_train(_runner_with_loader(32, 4))
    hook.before_train(_runner_with_loader(30, None))  # not a P x K sampler
    with pytest.raises(ValueError) as info:
        hook.before_train(_runner_with_loader(30, 4))
    message = str(info.value)
    assert 'batch_size=30' in message and 'num_instances=4' in message
    assert '28 or 32' in message


def test_batch_check_uses_the_world_size(monkeypatch):
    seen = []
    monkeypatch.setattr(batch_module, 'get_world_size', lambda: 4)
    import mmsona.datasets.samplers.identity_sampler as sampler_module
    monkeypatch.setattr(sampler_module, 'check_identity_batch',
                        lambda *args: seen.append(args))
    IdentityBatchCheckHook().before_train(_runner_with_loader(16, 4))
    assert seen == [(16, 4, 4)]


@pytest.mark.slow
def test_batch_check_in_a_runner(tmp_path):
    from mmsona.datasets.synthetic import generate_synthetic_reid
    root = str(tmp_path / 'data')
    generate_synthetic_reid(root, size='tiny', seed=0, num_workers=1)
    runner = Runner(
        model=dict(type='_NaNAtThirdStep'),
        work_dir=str(tmp_path / 'work'),
        experiment_name=f'batch_{uuid.uuid4().hex[:8]}',
        train_dataloader=dict(
            batch_size=10,
            sampler=dict(type='IdentitySampler', num_instances=4, seed=0),
            dataset=dict(
                type='SyntheticReID',
                data_root=root,
                size='tiny',
                split='train',
                pipeline=[]),
            collate_fn=dict(type='pseudo_collate')),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        custom_hooks=[dict(type='IdentityBatchCheckHook')],
        default_scope='mmsona',
        log_level='WARNING')
    with pytest.raises(ValueError, match='batch_size=10'):
        runner.train()
