"""Packing re-ID samples for the model."""
from typing import Sequence

from mmpretrain.datasets.transforms import PackInputs

from mmsona.registry import TRANSFORMS

__all__ = ['PackReIDInputs']


@TRANSFORMS.register_module()
class PackReIDInputs(PackInputs):
    """Pack an image and its re-ID annotations for the model.

    The image stays a uint8 ``C x H x W`` tensor in the channel order it
    was loaded in (BGR with OpenCV); the data preprocessor of the model
    converts it to RGB and normalises it. The data sample is an
    :class:`mmpretrain.structures.DataSample` with ``gt_label`` (the class
    index for training, the raw pid for evaluation) and the metainfo keys
    ``pid``, ``camid``, ``is_query`` and ``img_path`` (plus the shape and
    flip keys), which :class:`ReIDMetric` reads.

    Args:
        meta_keys (Sequence[str]): Metainfo keys to keep. Defaults to
            :attr:`DEFAULT_META_KEYS`.
        **kwargs: Arguments of :class:`mmpretrain.datasets.PackInputs`.
    """

    DEFAULT_META_KEYS = ('sample_idx', 'img_path', 'pid', 'camid', 'is_query',
                         'ori_shape', 'img_shape', 'flip', 'flip_direction')

    def __init__(self,
                 meta_keys: Sequence[str] = DEFAULT_META_KEYS,
                 **kwargs) -> None:
        super().__init__(meta_keys=meta_keys, **kwargs)
