"""SONAResNet: SONA placement, pretrained loading, zero-init identity."""
import pytest
import torch
from mmpretrain.models.backbones import ResNet

from mmsona.models import SONA, SONAResNet


def small_trunk(**kwargs) -> dict:
    return dict(
        depth=18, strides=(1, 2, 1, 1), dilations=(1, 1, 2, 4), **kwargs)


@pytest.mark.slow
@pytest.mark.parametrize('stages,channels', [((1, ), [128]), ((2, ), [256]),
                                             ((1, 2), [128, 256]),
                                             ((3, ), [512])])
def test_sona_after_chosen_stages(stages, channels):
    trunk = SONAResNet(sona_stages=stages, **small_trunk())
    blocks = [m for m in trunk.modules() if isinstance(m, SONA)]
    assert [b.in_channels for b in blocks] == channels
    out = trunk(torch.rand(2, 3, 64, 32))
    assert out[-1].shape == (2, 512, 8, 4)  # output stride 8


def test_sona_cfg_reaches_every_block():
    trunk = SONAResNet(
        sona_stages=(1, 2),
        sona_cfg=dict(reduction=2, normalize='scale'),
        **small_trunk())
    for block in trunk.sona_layers.values():
        assert block.reduction == 2 and block.normalize == 'scale'


def test_invalid_stage_is_rejected():
    with pytest.raises(ValueError, match='after layer2'):
        SONAResNet(sona_stages=(4, ), **small_trunk())


@pytest.mark.slow
def test_pretrained_trunk_output_unchanged_by_sona(tmp_path):
    torch.manual_seed(0)
    plain = ResNet(**small_trunk())
    plain.init_weights()
    with torch.no_grad():  # non-trivial BN statistics, as after ImageNet
        for m in plain.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
    ckpt = tmp_path / 'resnet18.pth'
    torch.save({'state_dict': plain.state_dict()}, ckpt)

    sona = SONAResNet(
        sona_stages=(1, 2),
        norm_eval=True,
        init_cfg=dict(type='Pretrained', checkpoint=str(ckpt)),
        **small_trunk())
    sona.init_weights()
    for block in sona.sona_layers.values():  # zero-init kept after loading
        assert torch.count_nonzero(block.out_norm.weight) == 0
    plain.train()
    for m in plain.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.eval()
    sona.train()
    x = torch.rand(2, 3, 64, 32)
    with torch.no_grad():
        assert torch.allclose(sona(x)[-1], plain(x)[-1], atol=1e-6)


def test_frozen_stages_and_checkpointing_still_work():
    trunk = SONAResNet(frozen_stages=1, with_cp=True, **small_trunk())
    trunk.train()
    assert not any(p.requires_grad for p in trunk.layer1.parameters())
    assert all(p.requires_grad for p in trunk.sona_layers.parameters())
    x = torch.rand(2, 3, 64, 32, requires_grad=True)
    trunk(x)[-1].sum().backward()
    assert x.grad is not None
