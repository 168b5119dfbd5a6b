"""Check the classifier's size against the training labels before
training starts."""
from typing import Optional

import numpy as np
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmsona.registry import HOOKS

__all__ = ['NumClassesCheckHook']


def _training_labels(dataset) -> Optional[np.ndarray]:
    """Every training label, read without decoding images (None if the
    dataset cannot say)."""
    if hasattr(dataset, 'get_gt_labels'):
        return np.asarray(dataset.get_gt_labels(), np.int64)
    return None


@HOOKS.register_module()
class NumClassesCheckHook(Hook):
    """Fail early when the head has fewer classes than the training set.

    ``model.head.num_classes`` must exceed every training label (0..N-1
    for N identities), or the classification loss fails deep inside with
    an index error (a device-side assert on a GPU). Before the first
    iteration this raises a ``ValueError`` naming both numbers and the
    setting to change. Heads without ``num_classes`` and datasets without
    ``get_gt_labels`` are not checked.
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        num_classes = getattr(
            getattr(model, 'head', None), 'num_classes', None)
        if num_classes is None:
            return
        dataset = runner.train_dataloader.dataset
        labels = _training_labels(dataset)
        if labels is None or labels.size == 0:
            return
        needed = int(labels.max()) + 1
        if needed <= num_classes:
            return
        name = type(dataset).__name__
        metainfo = getattr(dataset, 'metainfo', None) or {}
        count = metainfo.get('num_classes', needed)
        raise ValueError(
            f'model.head.num_classes={num_classes}, but the training set '
            f'({name}) has {count} identities, labelled 0..{needed - 1}: '
            f'set model.head.num_classes={needed} (the training split\'s '
            'metainfo num_classes).')
