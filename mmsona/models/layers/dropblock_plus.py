"""DropBlock+: batch DropBlock with a block size drawn at every step.

SONA-Net's DropBlock+ (Xia et al., ICCV 2019, arXiv 1909.00295) generalises
the Batch DropBlock of BFE (Dai et al., "Batch DropBlock Network for Person
Re-identification and Beyond", ICCV 2019, arXiv 1811.07130), which fixes the
block size.
"""
from typing import Sequence

import torch
from torch import Tensor, nn

from mmsona.registry import MODELS

__all__ = ['DropBlockPlus']


def _check_range(name: str, value: Sequence[float]) -> tuple:
    """Validate a ``(low, high)`` ratio range within (0, 1]."""
    low, high = (float(v) for v in value)
    if not 0.0 < low <= high <= 1.0:
        raise ValueError(
            f'DropBlockPlus {name}={tuple(value)} must satisfy '
            '0 < low <= high <= 1 (ratios of the feature map size).')
    return low, high


@MODELS.register_module()
class DropBlockPlus(nn.Module):
    """Zero one rectangle shared by the whole batch, of variable size.

    In training, every call draws height and width ratios ``r_h`` and ``r_w``
    uniformly from ``h_range`` and ``w_range``, and zeroes the same
    ``round(r_h*H) x round(r_w*W)`` rectangle, at a random position, in every
    sample and channel of the batch (no rescaling). In eval mode it is the
    identity. Fixed ranges (``h_range=(0.33, 0.33)``, ``w_range=(1.0, 1.0)``)
    give BFE's Batch DropBlock. Randomness comes from torch's global
    generator, so the Runner's seed makes it reproducible.

    Args:
        h_range (Sequence[float]): Range of the height ratio.
            Defaults to (0.1, 0.5).
        w_range (Sequence[float]): Range of the width ratio.
            Defaults to (1.0, 1.0).
    """

    def __init__(
        self,
        h_range: Sequence[float] = (0.1, 0.5),
        w_range: Sequence[float] = (1.0, 1.0)
    ) -> None:
        super().__init__()
        self.h_range = _check_range('h_range', h_range)
        self.w_range = _check_range('w_range', w_range)

    @staticmethod
    def _draw(low: float, high: float) -> float:
        """A ratio drawn uniformly from [low, high]."""
        if low == high:
            return low
        return low + (high - low) * torch.rand(()).item()

    def block_mask(self, height: int, width: int,
                   device: torch.device) -> Tensor:
        """Draw one H x W mask with a single zeroed rectangle.

        Args:
            height (int): Feature map height H.
            width (int): Feature map width W.
            device (torch.device): Device of the mask.

        Returns:
            Tensor: Float mask of ones with the block set to zero.
        """
        block_h = max(1, round(self._draw(*self.h_range) * height))
        block_w = max(1, round(self._draw(*self.w_range) * width))
        top = int(torch.randint(0, height - block_h + 1, ()).item())
        left = int(torch.randint(0, width - block_w + 1, ()).item())
        mask = torch.ones(height, width, device=device)
        mask[top:top + block_h, left:left + block_w] = 0
        return mask

    def forward(self, x: Tensor) -> Tensor:
        """Drop one batch-shared block in training.

        Args:
            x (Tensor): Feature map, B x C x H x W.

        Returns:
            Tensor: ``x`` with the block zeroed (training) or ``x`` (eval).
        """
        if not self.training:
            return x
        mask = self.block_mask(x.shape[-2], x.shape[-1], x.device)
        return x * mask.to(x.dtype)

    def extra_repr(self) -> str:
        return f'h_range={self.h_range}, w_range={self.w_range}'
