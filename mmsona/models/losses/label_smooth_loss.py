"""Label-smoothed cross entropy without a host-device synchronisation.

Label smoothing is Szegedy et al.'s ("Rethinking the Inception Architecture
for Computer Vision", CVPR 2016); BFE and SONA-Net use epsilon 0.1.
"""
import torch
from mmpretrain.models.losses import LabelSmoothLoss as _LabelSmoothLoss
from torch import Tensor

from mmsona.registry import MODELS

__all__ = ['LabelSmoothLoss']


@MODELS.register_module()
class LabelSmoothLoss(_LabelSmoothLoss):
    """MMPretrain's ``LabelSmoothLoss``, whose label conversion does not wait
    for the GPU.

    MMPretrain turns class indices into one-hot rows after checking the
    largest index with ``.item()``, a host-device synchronisation in every
    training step. Here the ones are scattered into zero rows directly;
    the scatter checks the indices itself (an error on the CPU, a
    device-side assertion on CUDA). The loss values are identical.
    Registered under MMPretrain's name, so ``type='LabelSmoothLoss'`` in
    mmsona's scope builds this class; its arguments are MMPretrain's.
    """

    def generate_one_hot_like_label(self, label: Tensor) -> Tensor:
        """One-hot rows (float) from class indices; other labels as given.

        Args:
            label (Tensor): ``N`` or ``N x 1`` class indices, or ``N x C``
                one-hot-like rows.

        Returns:
            Tensor: ``N x C`` float rows.
        """
        if label.dim() == 1 or (label.dim() == 2 and label.shape[1] == 1):
            index = label.view(-1, 1).long()
            return torch.zeros(
                index.shape[0],
                self.num_classes,
                dtype=torch.float32,
                device=label.device).scatter_(1, index, 1.0)
        return label.float()
