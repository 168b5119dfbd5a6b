"""The re-ID network: losses, predicted features, flip averaging."""
import pytest
import torch
from mmpretrain.structures import DataSample

from mmsona.registry import MODELS


def tiny_model(**kwargs):
    cfg = dict(
        type='ReIDNet',
        backbone=dict(
            type='SONAResNet',
            depth=18,
            strides=(1, 2, 1, 1),
            dilations=(1, 1, 2, 4)),
        head=dict(
            type='DualBranchHead',
            in_channels=512,
            num_classes=4,
            global_dim=32,
            local_dim=64))
    cfg.update(kwargs)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def batch(n=8):
    torch.manual_seed(0)
    samples = [DataSample().set_gt_label(i // 2) for i in range(n)]
    return dict(
        inputs=torch.randint(0, 255, (n, 3, 64, 32), dtype=torch.uint8),
        data_samples=samples)


@pytest.mark.slow
def test_loss_mode_returns_all_four_losses():
    model = tiny_model()
    data = model.data_preprocessor(batch(), training=True)
    losses = model(**data, mode='loss')
    expected = {
        'loss_global_triplet', 'loss_global_cls', 'loss_local_triplet',
        'loss_local_cls'
    }
    assert expected <= set(losses)
    total = sum(v for k, v in losses.items() if k.startswith('loss'))
    total.backward()
    grads = [p.grad for p in model.backbone.sona_layers.parameters()]
    # SONA's output BN receives gradient although it starts at zero.
    assert any(g is not None and g.abs().sum() > 0 for g in grads)


@pytest.mark.slow
def test_predict_attaches_1536_like_feature():
    model = tiny_model().eval()
    data = model.data_preprocessor(batch(), training=False)
    out = model(**data, mode='predict')
    assert len(out) == 8
    assert out[0].pred_feature.shape == (96, )
    tensor = model(data['inputs'], mode='tensor')
    assert torch.allclose(torch.stack([o.pred_feature for o in out]), tensor)
    assert model.head.feature_dim == 96


def test_flip_averaging():
    model = tiny_model().eval()
    x = torch.rand(2, 3, 64, 32)
    with torch.no_grad():
        plain = model(x, mode='tensor')
        mirrored = model(x.flip(dims=[3]), mode='tensor')
        model.test_flip = True
        flipped = model(x, mode='tensor')
    assert torch.allclose(flipped, (plain + mirrored) / 2, atol=1e-6)


def test_default_paper_widths():
    model = MODELS.build(
        dict(
            type='ReIDNet',
            backbone=dict(type='SONAResNet', depth=50),
            head=dict(
                type='DualBranchHead', in_channels=2048, num_classes=751)))
    assert model.head.feature_dim == 1536


def test_bad_mode_and_missing_labels():
    model = tiny_model()
    with pytest.raises(ValueError, match='Invalid mode'):
        model(torch.rand(1, 3, 64, 32), mode='features')
    with pytest.raises(ValueError, match='data_samples'):
        model(torch.rand(2, 3, 64, 32), mode='loss')


@pytest.mark.slow
def test_training_step_waits_for_no_device_value():
    """Preprocessing, forward, losses and backward read no tensor value on
    the host (on a GPU each read stalls the queue). DropBlock+ is left out:
    it draws its block on the host generator, which involves no device."""
    from sync_helpers import host_syncs
    model = tiny_model(
        head=dict(
            type='DualBranchHead',
            in_channels=512,
            num_classes=4,
            global_dim=32,
            local_dim=64,
            dropblock=None))
    assert type(model.data_preprocessor).__name__ == 'ReIDDataPreprocessor'
    assert type(model.head.cls_loss).__name__ == 'LabelSmoothLoss'
    data = batch()

    def step():
        prepared = model.data_preprocessor(data, training=True)
        losses = model(**prepared, mode='loss')
        sum(v for k, v in losses.items() if k.startswith('loss')).backward()

    assert host_syncs(step) == []
