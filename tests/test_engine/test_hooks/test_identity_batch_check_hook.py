"""IdentityBatchCheckHook: a batch of P identities x K images, checked
before the first iteration."""
import uuid
from types import SimpleNamespace

import pytest
import torch
from mmengine.model import BaseModel
from mmengine.runner import Runner

from mmsona.engine.hooks import IdentityBatchCheckHook
from mmsona.engine.hooks import identity_batch_check_hook as batch_module
from mmsona.registry import MODELS


@MODELS.register_module(force=True)
class _OneWeightModel(BaseModel):
    """A one-weight model; the hook refuses before it runs a step."""

    def __init__(self) -> None:
        super().__init__()
        self.w = torch.nn.Parameter(torch.ones(1))

    def forward(self, inputs, data_samples=None, mode='tensor'):
        x = torch.stack(inputs).float()
        return dict(loss=(self.w * x).pow(2).mean())


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
def test_batch_check_in_a_runner(tmp_path, tiny_synthetic_root):
    root = tiny_synthetic_root
    runner = Runner(
        model=dict(type='_OneWeightModel'),
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
