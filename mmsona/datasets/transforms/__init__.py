"""Transforms. Resizing, flipping, pad-and-crop (``RandomCrop`` with
``padding``) and random erasing come from MMCV and MMPretrain."""
from .formatting import PackReIDInputs
from .loading import LoadReIDImage, UnreadableImageError
from .processing import RandomSquareErase

__all__ = [
    'PackReIDInputs', 'LoadReIDImage', 'UnreadableImageError',
    'RandomSquareErase'
]
