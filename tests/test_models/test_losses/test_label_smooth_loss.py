"""LabelSmoothLoss: MMPretrain's values without a host-device sync."""
import pytest
import torch
from mmpretrain.models.losses import LabelSmoothLoss as MMPretrainLoss
from sync_helpers import host_syncs  # noqa: I100

from mmsona.models import LabelSmoothLoss
from mmsona.registry import MODELS


@pytest.mark.parametrize('kwargs', [
    dict(label_smooth_val=0.1),
    dict(label_smooth_val=0.2, mode='classy_vision', loss_weight=0.5),
    dict(label_smooth_val=0.1, mode='multi_label'),
])
def test_same_values_and_gradients_as_mmpretrain(kwargs):
    torch.manual_seed(0)
    logits = torch.randn(8, 5, requires_grad=True)
    labels = torch.tensor([0, 0, 1, 1, 2, 3, 4, 4])
    ours = LabelSmoothLoss(**kwargs)(logits, labels)
    grad_ours, = torch.autograd.grad(ours, logits)
    theirs = MMPretrainLoss(**kwargs)(logits, labels)
    grad_theirs, = torch.autograd.grad(theirs, logits)
    assert torch.equal(ours, theirs) and torch.equal(grad_ours, grad_theirs)
    # One-hot-like labels pass through unchanged, as in MMPretrain.
    soft = torch.softmax(torch.randn(8, 5), dim=1)
    assert torch.equal(
        LabelSmoothLoss(**kwargs)(logits, soft),
        MMPretrainLoss(**kwargs)(logits, soft))


def test_no_host_device_synchronisation():
    logits = torch.randn(8, 5, requires_grad=True)
    labels = torch.tensor([0, 0, 1, 1, 2, 3, 4, 4])
    loss = LabelSmoothLoss(label_smooth_val=0.1)
    assert host_syncs(lambda: loss(logits, labels).backward()) == []
    with pytest.raises(RuntimeError, match='out of bounds'):
        loss(logits, torch.tensor([0, 0, 1, 1, 2, 3, 4, 5]))


def test_mmsona_scope_builds_it_under_mmpretrains_name():
    loss = MODELS.build(dict(type='LabelSmoothLoss', label_smooth_val=0.1))
    assert type(loss) is LabelSmoothLoss
    assert isinstance(loss, MMPretrainLoss)


def test_column_labels_are_class_indices():
    """``N x 1`` labels are indices like ``N`` ones, not one-hot rows."""
    torch.manual_seed(0)
    logits = torch.randn(6, 4)
    labels = torch.tensor([0, 1, 1, 2, 3, 3])
    loss = LabelSmoothLoss(label_smooth_val=0.1)
    assert torch.equal(loss(logits, labels[:, None]), loss(logits, labels))
    rows = loss.generate_one_hot_like_label(labels[:, None])
    assert torch.equal(rows, torch.eye(4)[labels])


def test_one_hot_rows_stay_on_the_labels_device():
    """The rows are made where the labels are (a ``meta`` stand-in for a
    GPU: a CPU default would move them)."""
    loss = LabelSmoothLoss(label_smooth_val=0.1)
    loss.num_classes = 4
    rows = loss.generate_one_hot_like_label(
        torch.tensor([0, 1, 3], device='meta'))
    assert rows.device.type == 'meta' and rows.shape == (3, 4)
    assert rows.dtype == torch.float32
