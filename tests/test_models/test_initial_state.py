"""Modules are in their documented initial state right after construction,
``init_weights()`` keeps them there, and an ``init_cfg`` only overrides the
layers it names."""
import pytest
import torch
from mmcv.cnn import NonLocal2d

from mmsona.models import SONA, DropBlockPlus
from mmsona.registry import MODELS


def _train_and_eval_outputs(block, x):
    block.train()
    with torch.no_grad():
        train_out = block(x)
    block.eval()
    with torch.no_grad():
        eval_out = block(x)
    return train_out, eval_out


@pytest.mark.parametrize('normalize', ['softmax', 'scale'])
def test_sona_is_the_identity_right_after_construction(normalize):
    torch.manual_seed(0)
    x = torch.randn(2, 32, 6, 4) * 3
    for block in (SONA(32, normalize=normalize),
                  MODELS.build(
                      dict(type='SONA', in_channels=32, normalize=normalize))):
        for out in _train_and_eval_outputs(block, x):
            assert torch.equal(out, x)


def test_sona_follows_the_mmcv_non_local_convention():
    torch.manual_seed(0)
    x = torch.randn(2, 32, 6, 4)
    for out in _train_and_eval_outputs(NonLocal2d(32), x):
        assert torch.equal(out, x)  # the convention SONA is held to
    for out in _train_and_eval_outputs(SONA(32), x):
        assert torch.equal(out, x)


def test_sona_init_weights_keeps_the_identity():
    torch.manual_seed(0)
    block = SONA(16)
    before = block.theta.weight.clone()
    block.init_weights()
    assert not torch.equal(block.theta.weight, before)  # Kaiming drawn
    x = torch.randn(2, 16, 4, 3)
    for out in _train_and_eval_outputs(block, x):
        assert torch.equal(out, x)


@pytest.mark.parametrize('init_cfg', [
    dict(type='Kaiming', layer='Conv2d'),
    dict(type='Constant', val=0.5, layer='Conv2d', bias=0.1),
    [dict(type='Normal', std=0.3, layer='Conv2d')],
])
def test_sona_init_cfg_overrides_only_what_it_names(init_cfg):
    block = SONA(16, init_cfg=init_cfg)
    block.init_weights()
    assert torch.equal(block.out_norm.weight, torch.zeros(16))
    assert torch.equal(block.out_norm.bias, torch.zeros(16))
    x = torch.randn(2, 16, 4, 3)
    for out in _train_and_eval_outputs(block, x):
        assert torch.equal(out, x)
    if init_cfg == dict(type='Constant', val=0.5, layer='Conv2d', bias=0.1):
        assert torch.equal(block.theta.weight,
                           torch.full_like(block.theta.weight, 0.5))


def test_sona_init_cfg_naming_the_norm_wins():
    block = SONA(
        8, init_cfg=dict(type='Constant', val=1.0, layer='BatchNorm2d'))
    block.init_weights()
    assert torch.equal(block.out_norm.weight, torch.ones(8))


def test_sona_without_zero_init_starts_at_the_bn_defaults():
    block = SONA(8, use_bn_zero_init=False)
    assert torch.equal(block.out_norm.weight, torch.ones(8))
    block.init_weights()
    assert torch.equal(block.out_norm.weight, torch.ones(8))


def test_sona_construction_draws_no_extra_random_numbers():
    torch.manual_seed(3)
    torch.nn.Conv2d(16, 4, 1)
    torch.nn.Conv2d(16, 4, 1)
    torch.nn.Conv2d(4, 16, 1, bias=False)
    expected = torch.rand(4)
    torch.manual_seed(3)
    SONA(16)
    assert torch.equal(torch.rand(4), expected)


def _head(**kwargs):
    cfg = dict(
        type='DualBranchHead',
        in_channels=16,
        num_classes=5,
        global_dim=8,
        local_dim=12)
    cfg.update(kwargs)
    return MODELS.build(cfg)


@pytest.mark.parametrize('bnneck', [False, True])
def test_head_initial_state_after_construction(bnneck):
    head = _head(bnneck=bnneck)
    for name in head.branches:
        assert torch.equal(getattr(head, f'{name}_cls').bias, torch.zeros(5))
        neck = getattr(head, f'{name}_neck')
        if bnneck:
            assert torch.equal(neck.weight, torch.ones_like(neck.weight))
            assert torch.equal(neck.bias, torch.zeros_like(neck.bias))
    head.init_weights()
    for name in head.branches:
        cls = getattr(head, f'{name}_cls')
        assert torch.equal(cls.bias, torch.zeros(5))
        assert cls.weight.std() < 0.01  # N(0, 0.001)


def test_head_init_cfg_overrides_only_what_it_names():
    torch.manual_seed(0)
    reference = _head()
    reference.init_weights()
    torch.manual_seed(0)
    head = _head(init_cfg=dict(type='Constant', val=0.25, layer='Linear'))
    head.init_weights()
    # The reduction conv keeps its Kaiming weights (drawn first) ...
    assert torch.equal(head.global_reduce[0].weight,
                       reference.global_reduce[0].weight)
    # ... and every Linear layer takes the init_cfg.
    for layer in (head.global_cls, head.local_cls, head.local_reduce[0]):
        assert torch.equal(layer.weight, torch.full_like(layer.weight, 0.25))


def test_dropblock_plus_is_the_identity_in_eval_after_construction():
    block = DropBlockPlus()
    assert not list(block.parameters())  # nothing to initialise
    x = torch.randn(2, 4, 8, 4)
    assert torch.equal(block.eval()(x), x)
    assert not torch.equal(block.train()(x), x)
