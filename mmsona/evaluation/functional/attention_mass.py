"""How much attention one region of an image puts on another.

For an attention map ``A`` (B x N x N over the N = h * w cells of a feature
map, rows summing to 1) and the area fractions ``s`` and ``t`` of a source
and a target region in every cell, the attention mass from source to target
is the source-weighted mean over rows of the attended target area::

    mass = sum_i s_i sum_j A_ij t_j / sum_i s_i

It is the share of its attention that the source region spends on the
target region, counted in target area: 1 if every source cell attends only
to cells fully inside the target, and ``mean_j t_j`` (the *chance* level)
for uniform attention.
"""
from typing import Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ['part_fractions', 'attention_mass', 'chance_mass']


def part_fractions(labels: Union[np.ndarray, Tensor], codes: Sequence[int],
                   feat_size: Tuple[int, int]) -> Tensor:
    """Area fraction of labelled parts in every cell of a feature map.

    Args:
        labels (np.ndarray | Tensor): B x H x W integer label maps at image
            resolution.
        codes (Sequence[int]): The label code of each part.
        feat_size (tuple[int, int]): ``(h, w)`` of the feature map.

    Returns:
        Tensor: B x len(codes) x (h * w) fractions in [0, 1], cells in
        row-major order (the order of attention map rows).
    """
    labels = torch.as_tensor(labels)
    if labels.ndim != 3:
        raise ValueError(f'labels must be B x H x W, got shape '
                         f'{tuple(labels.shape)}.')
    masks = torch.stack([(labels == c) for c in codes], 1).float()
    return F.adaptive_avg_pool2d(masks, feat_size).flatten(2)


def attention_mass(attention: Tensor, source: Tensor,
                   target: Tensor) -> Tensor:
    """Attention mass from a source region to a target region, per image.

    Args:
        attention (Tensor): B x N x N attention maps (rows: attending cell).
        source (Tensor): B x N area fractions of the source region.
        target (Tensor): B x N area fractions of the target region.

    Returns:
        Tensor: B masses; NaN for an image without any source area.
    """
    if attention.ndim != 3 or attention.shape[1] != attention.shape[2]:
        raise ValueError('attention must be B x N x N, got shape '
                         f'{tuple(attention.shape)}.')
    if source.shape != attention.shape[:2] or target.shape != source.shape:
        raise ValueError(
            f'source {tuple(source.shape)} and target {tuple(target.shape)} '
            f'must be B x N = {tuple(attention.shape[:2])}.')
    attention = attention.float()
    attended = torch.bmm(attention, target.float()[..., None])[..., 0]
    weight = source.float().sum(1)
    mass = (source.float() * attended).sum(1) / weight
    return torch.where(weight > 0, mass, torch.full_like(mass, float('nan')))


def chance_mass(target: Tensor) -> Tensor:
    """The mass of uniform attention on a target region: its mean area
    fraction over cells.

    Args:
        target (Tensor): B x N area fractions.

    Returns:
        Tensor: B values.
    """
    return target.float().mean(1)
