"""ReIDDataPreprocessor: MMPretrain's results, copies that do not wait."""
import pytest
import torch
from mmpretrain.models import ClsDataPreprocessor
from mmpretrain.structures import DataSample
from torch.utils._python_dispatch import TorchDispatchMode

from mmsona.models import ReIDDataPreprocessor

NORM = dict(
    mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True)


def batch(stacked: bool, n: int = 8) -> dict:
    gen = torch.Generator().manual_seed(0)
    images = torch.randint(
        0, 256, (n, 3, 16, 8), generator=gen).to(torch.uint8)
    samples = [DataSample().set_gt_label(i // 2) for i in range(n)]
    return dict(
        inputs=images if stacked else list(images), data_samples=samples)


@pytest.mark.parametrize('stacked', [False, True])
def test_same_batch_as_mmpretrain_and_as_the_other_collate(stacked):
    ours = ReIDDataPreprocessor(**NORM)(batch(stacked), True)
    theirs = ClsDataPreprocessor(**NORM)(batch(stacked), True)
    other = ReIDDataPreprocessor(**NORM)(batch(not stacked), True)
    for out in (theirs, other):
        assert torch.equal(ours['inputs'], out['inputs'])
        assert [s.gt_label for s in ours['data_samples']
                ] == [s.gt_label for s in out['data_samples']]


class _Copies(TorchDispatchMode):
    """Records every copy to the ``meta`` device and its ``non_blocking``."""

    def __init__(self):
        super().__init__()
        self.copies = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        device = kwargs.get('device')
        if func is torch.ops.aten._to_copy.default and device is not None \
                and torch.device(device).type == 'meta':
            self.copies.append(bool(kwargs.get('non_blocking', False)))
        return func(*args, **kwargs)


@pytest.mark.parametrize('stacked,num_copies', [(True, 2), (False, 9)])
def test_one_non_blocking_copy_for_images_and_one_for_labels(
        stacked, num_copies):
    """A device other than the CPU (``meta`` stands in for CUDA)."""
    preprocessor = ReIDDataPreprocessor(**NORM).to('meta')
    recorder = _Copies()
    with recorder:
        out = preprocessor(batch(stacked), True)
    assert out['inputs'].device.type == 'meta'
    assert all(s.gt_label.device.type == 'meta' for s in out['data_samples'])
    # Stacked: one copy of the images and one of all labels; a list costs
    # a copy per image.
    assert recorder.copies == [True] * num_copies
    blocking = ReIDDataPreprocessor(**NORM, non_blocking=False).to('meta')
    with _Copies() as recorder:
        blocking(batch(True), True)
    assert recorder.copies == [False, False]
