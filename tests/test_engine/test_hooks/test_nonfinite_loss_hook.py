"""NonFiniteLossHook stops training at a NaN or infinite loss term."""
import math
import uuid
from types import SimpleNamespace

import pytest
import torch
from mmengine.model import BaseModel
from mmengine.runner import Runner

from mmsona.engine.hooks import NonFiniteLossError, NonFiniteLossHook
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
