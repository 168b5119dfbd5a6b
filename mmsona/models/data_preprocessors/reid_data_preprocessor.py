"""Batch normalisation of re-ID images, copied to the device asynchronously."""
from typing import List, Optional, Sequence

import torch
from mmpretrain.models import ClsDataPreprocessor
from mmpretrain.structures import DataSample

from mmsona.registry import MODELS

__all__ = ['ReIDDataPreprocessor']


@MODELS.register_module()
class ReIDDataPreprocessor(ClsDataPreprocessor):
    """MMPretrain's ``ClsDataPreprocessor`` with non-blocking device copies.

    The images (one stacked uint8 tensor when the loader uses
    ``default_collate``, in page-locked memory with ``pin_memory=True``)
    and the labels of a batch are copied with ``non_blocking=True``, each
    in one copy: the host goes on queueing the forward pass instead of
    waiting for the copies (a blocking copy synchronises the stream).
    On the CPU nothing changes. Normalisation, channel flip and padding
    are MMPretrain's, so the results are identical.

    Args:
        mean (Sequence[float], optional): Per-channel mean.
        std (Sequence[float], optional): Per-channel standard deviation.
        to_rgb (bool): Flip BGR to RGB. Defaults to False.
        non_blocking (bool): Copy to the device without waiting.
            Defaults to True.
        **kwargs: Other arguments of ``ClsDataPreprocessor``.
    """

    def __init__(self,
                 mean: Optional[Sequence[float]] = None,
                 std: Optional[Sequence[float]] = None,
                 to_rgb: bool = False,
                 non_blocking: bool = True,
                 **kwargs) -> None:
        super().__init__(mean=mean, std=std, to_rgb=to_rgb, **kwargs)
        self._non_blocking = non_blocking

    def forward(self, data: dict, training: bool = False) -> dict:
        """Copy to the device, normalise, and set the labels.

        Args:
            data (dict): ``inputs`` (a stacked tensor or a list of images)
                and ``data_samples`` from the data loader.
            training (bool): Whether batch augmentations apply.

        Returns:
            dict: ``inputs`` (normalised float batch on the device) and
            ``data_samples``.
        """
        samples = data.get('data_samples')
        if samples and self.device.type != 'cpu':
            self._labels_to_device(samples)
        return super().forward(data, training)

    def _labels_to_device(self, samples: List[DataSample]) -> None:
        """Move every sample's ``gt_label`` to the device in one copy."""
        if not all(
                isinstance(s, DataSample) and 'gt_label' in s
                for s in samples):
            return
        labels = [s.gt_label for s in samples]
        if all(label.device == self.device for label in labels):
            return
        sizes = [label.numel() for label in labels]
        moved = torch.cat(labels).to(
            self.device, non_blocking=self._non_blocking).split(sizes)
        for sample, label in zip(samples, moved):
            sample.set_gt_label(label)
