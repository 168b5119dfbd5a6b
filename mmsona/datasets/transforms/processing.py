"""Re-ID specific image augmentations."""
from typing import Sequence, Tuple, Union

import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

from mmsona.registry import TRANSFORMS

__all__ = ['RandomSquareErase']


@TRANSFORMS.register_module()
class RandomSquareErase(BaseTransform):
    """Fill one fixed-size rectangle, placed fully inside the image, with
    probability ``prob`` (the Cutout of BFE / Batch DropBlock).

    MMPretrain's ``Cutout`` centres the square anywhere and clips it at the
    border, so its erased area varies; ``RandomErasing`` draws the area and
    aspect ratio. BFE erases a constant 64 x 64 square at 384 x 128, which
    this transform does. BFE erases after normalisation with value 0, i.e.
    with the mean colour: use ``pad_val=(103.53, 116.28, 123.675)`` (the
    ImageNet mean in BGR) for that; the default 0 gives black.

    **Required Keys:** ``img``. **Modified Keys:** ``img``.

    Args:
        size (int | tuple[int, int]): Side, or ``(h, w)``, of the erased
            rectangle; clipped to the image. Defaults to 64.
        prob (float): Probability of erasing. Defaults to 0.5.
        pad_val (float | Sequence[float]): Fill value, one per channel or
            one for all. Defaults to 0.
    """

    def __init__(self,
                 size: Union[int, Tuple[int, int]] = 64,
                 prob: float = 0.5,
                 pad_val: Union[float, Sequence[float]] = 0) -> None:
        if isinstance(size, int):
            size = (size, size)
        if len(size) != 2 or min(size) < 1:
            raise ValueError(f'size must be a positive int or (h, w), got '
                             f'{size!r}.')
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f'prob must be in [0, 1], got {prob}.')
        self.size = tuple(int(s) for s in size)
        self.prob = prob
        self.pad_val = pad_val

    @cache_randomness
    def _params(self, height: int, width: int) -> Tuple[bool, int, int]:
        if np.random.rand() >= self.prob:
            return False, 0, 0
        h, w = min(self.size[0], height), min(self.size[1], width)
        return (True, int(np.random.randint(0, height - h + 1)),
                int(np.random.randint(0, width - w + 1)))

    def transform(self, results: dict) -> dict:
        """Erase the rectangle in ``results['img']`` (on a copy).

        Args:
            results (dict): Needs ``img`` (``H x W [x C]``).

        Returns:
            dict: ``results`` with the erased image.
        """
        img = results['img']
        height, width = img.shape[:2]
        erase, top, left = self._params(height, width)
        if not erase:
            return results
        h, w = min(self.size[0], height), min(self.size[1], width)
        img = img.copy()
        img[top:top + h, left:left + w] = np.asarray(
            self.pad_val, dtype=np.float64).astype(img.dtype)
        results['img'] = img
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(size={self.size}, '
                f'prob={self.prob}, pad_val={self.pad_val})')
