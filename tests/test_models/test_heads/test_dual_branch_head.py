"""DualBranchHead: both branches, and the global branch alone."""
import pytest
import torch
import torch.nn.functional as F
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


@pytest.mark.parametrize('bnneck', [False, True])
def test_without_cls_loss_no_parameter_waits_for_a_gradient(bnneck):
    torch.manual_seed(0)
    head = build_head(cls_loss=None, bnneck=bnneck)
    x = torch.randn(8, 16, 6, 3)
    losses = head.loss(x, samples())
    assert set(losses) == {'loss_global_triplet', 'loss_local_triplet'}
    sum(losses.values()).backward()
    trainable = {n for n, p in head.named_parameters() if p.requires_grad}
    with_grad = {n for n, p in head.named_parameters() if p.grad is not None}
    # What DDP (find_unused_parameters=False) waits for gets a gradient.
    assert trainable == with_grad
    assert not any('_cls.' in n or '_neck.' in n for n in trainable)
    if bnneck:
        # The test feature is taken after the BNNeck: its statistics still
        # follow the training features.
        assert head.global_neck.num_batches_tracked == 1
    # The classifiers are still built and saved (seeded runs, checkpoints).
    assert 'global_cls.weight' in head.state_dict()


@pytest.mark.slow
def test_two_process_ddp_trains_without_cls_loss(tmp_path):
    import os.path as osp

    from dist_helpers import free_port, run_ranks
    here = osp.dirname(osp.abspath(__file__))
    port = free_port()
    cases = dict(
        no_cls=dict(cls_loss=None),
        no_cls_bnneck=dict(cls_loss=None, bnneck=True))
    run_ranks(
        osp.join(here, '_ddp_worker.py'), (2, port, cases, 3, str(tmp_path)),
        2)
    ranks = [torch.load(tmp_path / f'rank{r}.pth') for r in range(2)]
    for name in cases:
        for result in ranks:
            assert result[name]['error'] is None, result[name]['error']
            assert result[name]['done'] == 3
        # DDP kept the replicas' parameters equal.
        for key, value in ranks[0][name]['params'].items():
            assert torch.equal(value, ranks[1][name]['params'][key]), key


@pytest.mark.parametrize('bnneck', [False, True])
def test_local_columns_are_the_max_pooled_local_branch(bnneck):
    torch.manual_seed(0)
    head = build_head(bnneck=bnneck)
    # Train the BNs a step so that no layer is the identity.
    head.loss(torch.randn(8, 16, 6, 3), samples())
    head.eval()
    x = torch.randn(8, 16, 6, 3)
    with torch.no_grad():
        feat = head(x)
        # Naive local branch: bottleneck, (no DropBlock+ in eval), global
        # max pooling taken position by position, reduction, BNNeck.
        block_out = head.local_block(x).flatten(2)
        pooled = block_out[:, :, 0]
        for pos in range(1, block_out.shape[2]):
            pooled = torch.maximum(pooled, block_out[:, :, pos])
        local = head.local_reduce(pooled)
        if bnneck:
            local = head.local_neck(local)
        glob = head.global_reduce(x.mean(dim=(2, 3)).view(8, 16, 1,
                                                          1)).flatten(1)
        if bnneck:
            glob = head.global_neck(glob)
    assert torch.allclose(feat, torch.cat([glob, local], dim=1), atol=1e-6)


def batch_norm_by_hand(bn, feat):
    """Training-mode BatchNorm1d: biased batch variance, affine."""
    mean = feat.mean(dim=0)
    var = feat.var(dim=0, unbiased=False)
    return (feat - mean) / torch.sqrt(var + bn.eps) * bn.weight + bn.bias


def test_bnneck_feeds_the_classifiers():
    torch.manual_seed(0)
    head = build_head(bnneck=True, triplet_loss=None, dropblock=None)
    with torch.no_grad():
        # Affine parameters away from (1, 0) and logits far from 0, so a
        # skipped BNNeck shows in the loss.
        for neck in (head.global_neck, head.local_neck):
            neck.weight.uniform_(0.5, 2.0)
            neck.bias.uniform_(-1.0, 1.0)
        for cls in (head.global_cls, head.local_cls):
            cls.weight.normal_(0.0, 0.5)
    x = torch.randn(8, 16, 6, 3)
    labels = torch.arange(8) // 2
    with torch.no_grad():
        feats = head.branch_features(x)
        branches = {
            'global': (head.global_neck, head.global_cls),
            'local': (head.local_neck, head.local_cls),
        }
        expected = {}
        for name, (neck, cls) in branches.items():
            logits = cls(batch_norm_by_hand(neck, feats[name]))
            expected[name] = head.cls_loss(logits, labels)
    losses = head.loss(x, samples())
    for name, value in expected.items():
        assert torch.allclose(losses[f'loss_{name}_cls'], value, atol=1e-6)
    # The classification loss alone trains the BNNecks' affine parameters.
    (losses['loss_global_cls'] + losses['loss_local_cls']).backward()
    for neck in (head.global_neck, head.local_neck):
        assert neck.weight.grad is not None and neck.bias.grad is not None
        assert neck.weight.grad.abs().sum() > 0
        assert neck.bias.grad.abs().sum() > 0


# The head's checkpoint keys as saved by every release so far (bnneck=True;
# without it the two ``*_neck`` entries are absent). A change of a submodule
# name must keep these loading (a key map in the head) and update this list
# only together with that map.
_BN_KEYS = ('weight', 'bias', 'running_mean', 'running_var',
            'num_batches_tracked')
_SAVED_MODULES = (
    ('global_reduce.0', ('weight', )),
    ('global_reduce.1', _BN_KEYS),
    ('local_block.conv1', ('weight', )),
    ('local_block.bn1', _BN_KEYS),
    ('local_block.conv2', ('weight', )),
    ('local_block.bn2', _BN_KEYS),
    ('local_block.conv3', ('weight', )),
    ('local_block.bn3', _BN_KEYS),
    ('local_reduce.0', ('weight', )),
    ('local_reduce.1', _BN_KEYS),
    ('global_neck', _BN_KEYS),
    ('local_neck', _BN_KEYS),
    ('global_cls', ('weight', 'bias')),
    ('local_cls', ('weight', 'bias')),
)
SAVED_KEYS = tuple(f'{module}.{key}' for module, keys in _SAVED_MODULES
                   for key in keys)


def test_checkpoints_with_the_saved_key_names_load(tmp_path):
    from mmengine.runner import load_checkpoint
    torch.manual_seed(0)
    trained = build_head(bnneck=True)
    trained.loss(torch.randn(8, 16, 6, 3), samples())
    trained.eval()
    saved = trained.state_dict()
    # Exactly the released names, in the released order.
    assert tuple(saved) == SAVED_KEYS
    path = str(tmp_path / 'head.pth')
    torch.save({'state_dict': {key: saved[key] for key in SAVED_KEYS}}, path)
    torch.manual_seed(1)
    head = build_head(bnneck=True).eval()
    load_checkpoint(head, path, strict=True)
    x = torch.randn(8, 16, 6, 3)
    with torch.no_grad():
        assert torch.equal(head(x), trained(x))


def test_defaults_and_smallest_widths():
    head = MODELS.build(
        dict(
            type='DualBranchHead',
            in_channels=16,
            num_classes=3,
            init_cfg=dict(type='Constant', val=0.5, layer='Linear')))
    assert (head.in_channels, head.num_classes) == (16, 3)
    assert (head.global_dim, head.local_dim, head.feature_dim) == (512, 1024,
                                                                   1536)
    assert head.global_neck is None and head.local_neck is None
    assert type(head.dropblock).__name__ == 'DropBlockPlus'
    assert head.init_cfg == dict(type='Constant', val=0.5, layer='Linear')
    # One class, a one-wide global feature and no local branch are valid.
    small = build_head(num_classes=1, global_dim=1, local_dim=0)
    assert small(torch.randn(2, 16, 3, 2)).shape == (2, 1)
    for name in ('local_block', 'dropblock', 'local_reduce', 'local_neck',
                 'local_cls'):
        assert getattr(small, name) is None, name


def test_branches_computed_from_their_weights():
    """Both branch features from the layers' weights with functional ops:
    global = ReLU(BN(conv1x1(avgpool x))), local = ReLU(BN(linear(maxpool
    bottleneck(x)))), and the last map of a tuple of trunk outputs."""
    torch.manual_seed(0)
    head = build_head()
    head.loss(torch.randn(8, 16, 6, 3), samples())  # train the BN statistics
    head.eval()

    def bn(layer, t):
        return F.batch_norm(t, layer.running_mean, layer.running_var,
                            layer.weight, layer.bias, False, 0.0, layer.eps)

    x = torch.randn(8, 16, 6, 3)
    conv, bn_g = head.global_reduce[0], head.global_reduce[1]
    linear, bn_l = head.local_reduce[0], head.local_reduce[1]
    with torch.no_grad():
        glob = F.relu(
            bn(bn_g,
               x.mean(dim=(2, 3)) @ conv.weight.flatten(1).t()))
        local = F.relu(
            bn(bn_l,
               head.local_block(x).amax(dim=(2, 3)) @ linear.weight.t()))
        for feats in (x, [x], (torch.zeros(8, 16, 6, 3), x),
                      [torch.zeros(8, 16, 6, 3), -x, x]):
            got = head.branch_features(feats)
            assert torch.allclose(got['global'], glob, atol=1e-5)
            assert torch.allclose(got['local'], local, atol=1e-5)


def test_init_weights_draws_the_documented_weights():
    """Kaiming normal (fan-out) reductions, N(0, 0.001) classifiers with
    zero bias, BNNecks back at weight 1 and bias 0."""
    torch.manual_seed(0)
    head = MODELS.build(
        dict(
            type='DualBranchHead',
            in_channels=64,
            num_classes=40,
            global_dim=32,
            local_dim=48,
            bnneck=True))
    with torch.no_grad():
        for module in (head.global_neck, head.local_neck, head.global_cls,
                       head.local_cls):
            module.weight.uniform_(2.0, 3.0)
            module.bias.uniform_(2.0, 3.0)
    head.init_weights()
    # fan_out is the output width: 32 (1x1 conv) and 48 (linear).
    for layer, fan_out in ((head.global_reduce[0], 32), (head.local_reduce[0],
                                                         48)):
        std = float(layer.weight.detach().std())
        assert abs(std / (2.0 / fan_out)**0.5 - 1) < 0.15
        assert abs(float(layer.weight.detach().mean())) < 0.05
    for cls in (head.global_cls, head.local_cls):
        assert abs(float(cls.weight.detach().std()) / 0.001 - 1) < 0.15
        assert torch.equal(cls.bias, torch.zeros(40))
    for neck in (head.global_neck, head.local_neck):
        assert torch.equal(neck.weight, torch.ones_like(neck.weight))
        assert torch.equal(neck.bias, torch.zeros_like(neck.bias))


def test_training_accuracy_is_the_classifiers_top1_percentage():
    torch.manual_seed(0)
    head = build_head(triplet_loss=None, dropblock=None)
    with torch.no_grad():
        for cls in (head.global_cls, head.local_cls):
            cls.weight.normal_(0.0, 1.0)
    x = torch.randn(8, 16, 6, 3)
    labels = torch.arange(8) // 2
    with torch.no_grad():
        state = {k: v.clone() for k, v in head.state_dict().items()}
        losses = head.loss(x, samples())
        head.load_state_dict(state)  # the BN statistics before that step
        feats = head.branch_features(x)
    for name, cls in (('global', head.global_cls), ('local', head.local_cls)):
        hits = sum(
            int(row.argmax()) == int(label)
            for row, label in zip(cls(feats[name]), labels))
        assert float(losses[f'acc_{name}']) == pytest.approx(100.0 * hits / 8)
    assert 0 < float(losses['acc_global']) < 100


def test_loss_stays_on_the_features_device():
    """The labels move to the features' device (``meta`` stands in for a
    GPU: CPU labels next to it fail)."""
    head = build_head(dropblock=None).to('meta')
    losses = head.loss(torch.randn(8, 16, 6, 3, device='meta'), samples())
    assert {v.device.type for v in losses.values()} == {'meta'}
