"""DualBranchHead: both branches, and the global branch alone."""
import pytest
import torch
from mmpretrain.structures import DataSample

from mmsona.registry import MODELS


def build_head(**kwargs):
    cfg = dict(
        type='DualBranchHead',
        in_channels=16,
        num_classes=4,
        global_dim=8,
        local_dim=12)
    cfg.update(kwargs)
    head = MODELS.build(cfg)
    head.init_weights()
    return head


def samples(n=8):
    return [DataSample().set_gt_label(i // 2) for i in range(n)]


def test_test_feature_is_global_then_local():
    torch.manual_seed(0)
    head = build_head().eval()
    x = torch.randn(8, 16, 6, 3)
    with torch.no_grad():
        feat = head(x)
        # Naive global branch: average pool, then the 1x1 conv, BN and ReLU.
        pooled = x.mean(dim=(2, 3)).view(8, 16, 1, 1)
        glob = head.global_reduce(pooled).flatten(1)
    assert feat.shape == (8, 20) and head.feature_dim == 20
    assert torch.allclose(feat[:, :8], glob, atol=1e-6)
    assert head.branches == ('global', 'local')


def test_local_dim_zero_is_a_global_pooling_baseline():
    torch.manual_seed(0)
    head = build_head(local_dim=0, bnneck=True)
    assert head.branches == ('global', ) and not head.with_local
    names = {name.split('.')[0] for name, _ in head.named_parameters()}
    assert names == {'global_reduce', 'global_neck', 'global_cls'}
    x = torch.randn(8, 16, 6, 3, requires_grad=True)
    losses = head.loss(x, samples())
    assert set(losses) == {
        'loss_global_triplet', 'loss_global_cls', 'acc_global'
    }
    (losses['loss_global_triplet'] + losses['loss_global_cls']).backward()
    assert x.grad.abs().sum() > 0
    head.eval()
    with torch.no_grad():
        feat = head(x)
        pooled = x.mean(dim=(2, 3)).view(8, 16, 1, 1)
        expected = head.global_neck(head.global_reduce(pooled).flatten(1))
    assert feat.shape == (8, 8) and head.feature_dim == 8
    assert torch.allclose(feat, expected, atol=1e-6)


@pytest.mark.parametrize('kwargs', [dict(local_dim=-1), dict(global_dim=0)])
def test_bad_widths(kwargs):
    with pytest.raises(ValueError, match='local branch'):
        build_head(**kwargs)
