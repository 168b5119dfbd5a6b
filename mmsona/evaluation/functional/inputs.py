"""Inputs shared by the evaluation functions: features, ids, options.

Every function that takes query and gallery features checks them with
:func:`as_feature_pair`, every one that takes ids with :func:`as_ids`, and
the three ranking functions share their options as :class:`RankingOptions`.
"""
from dataclasses import dataclass
from typing import Optional, Tuple, Union

import numpy as np
import torch

__all__ = ['RankingOptions', 'as_feature_pair', 'as_ids', 'to_tensor']

ArrayLike = Union[np.ndarray, torch.Tensor]
#: Evaluation protocols: Market's, and CUHK03's single-gallery-shot CMC.
PROTOCOLS = ('market', 'cuhk03')
#: Average-precision rules: mean precision at the hits, or the trapezoid rule
#: of the official Market-1501 code.
AP_MODES = ('mean', 'trapezoid')


def to_tensor(data: Union[np.ndarray, torch.Tensor, list],
              device: Optional[Union[str, torch.device]] = None,
              dtype: Optional[torch.dtype] = None) -> torch.Tensor:
    """Convert an array-like to a tensor without copying when possible.

    Args:
        data (np.ndarray | torch.Tensor | list): The input.
        device (str | torch.device, optional): Target device. Defaults to
            the device of ``data`` (CPU for non-tensors).
        dtype (torch.dtype, optional): Target dtype. Defaults to keeping it.

    Returns:
        torch.Tensor: The tensor.
    """
    if not isinstance(data, torch.Tensor):
        data = torch.as_tensor(np.asarray(data))
    return data.to(device=device, dtype=dtype)


def as_feature_pair(q_feats: ArrayLike,
                    g_feats: ArrayLike) -> Tuple[torch.Tensor, torch.Tensor]:
    """Query and gallery features as 2-D tensors of one dtype and device.

    Both follow the query: its device, and its float dtype (float64 for
    integer features).

    Args:
        q_feats (np.ndarray | torch.Tensor): ``(Q, D)`` query features.
        g_feats (np.ndarray | torch.Tensor): ``(G, D)`` gallery features.

    Returns:
        tuple[torch.Tensor, torch.Tensor]: The query and gallery tensors.

    Raises:
        ValueError: They are not 2-D or differ in feature size.
    """
    query = to_tensor(q_feats)
    if not query.is_floating_point():
        query = query.double()
    gallery = to_tensor(g_feats, device=query.device, dtype=query.dtype)
    if query.dim() != 2 or gallery.dim() != 2 \
            or query.shape[1] != gallery.shape[1]:
        raise ValueError('Expected query (Q, D) and gallery (G, D) features, '
                         f'got shapes {tuple(query.shape)} and '
                         f'{tuple(gallery.shape)}.')
    return query, gallery


def as_ids(ids: ArrayLike, name: str, length: int,
           device: torch.device) -> torch.Tensor:
    """Person or camera ids as a 1-D int64 tensor of a known length.

    Args:
        ids (np.ndarray | torch.Tensor): The ids.
        name (str): Their argument name, for the error messages.
        length (int): The number of query or gallery items.
        device (torch.device): Target device.

    Returns:
        torch.Tensor: ``(length,)`` int64 ids.

    Raises:
        ValueError: Wrong length, or not integers.
    """
    ids = to_tensor(ids, device=device).reshape(-1)
    if ids.numel() != length:
        raise ValueError(f'{name} has {ids.numel()} entries, expected '
                         f'{length}.')
    if ids.is_floating_point() or ids.dtype == torch.bool:
        raise ValueError(f'{name} must hold integers, got {ids.dtype}.')
    return ids.long()


@dataclass(frozen=True)
class RankingOptions:
    """How ranked lists are summarised, shared by the ranking functions.

    :func:`evaluate_distance_rows`, :func:`evaluate_rank` and
    :func:`evaluate_features` take these as keyword arguments of the same
    names and defaults.

    Args:
        max_rank (int): Length of the CMC curve. Defaults to 50.
        chunk_size (int, optional): Queries per block of distances; None
            or 0 for ``default_chunk_size(G)`` (about 8M distances).
            Defaults to None.
        protocol (str): ``'market'``, or ``'cuhk03'`` for the classic
            single-gallery-shot CMC (see :class:`SingleShotCMC`); mAP and
            mINP stay the Market ones. Defaults to ``'market'``.
        num_repeats (int): CUHK03 sampling trials. Defaults to 10.
        seed (int): CUHK03 sampling seed. Defaults to 0.
        ap_mode (str): How a query's AP integrates its precision-recall
            curve. ``'mean'``: the mean of the precisions at the matches
            (torchreid, fast-reid). ``'trapezoid'``: the trapezoid rule of
            the official Market-1501 code, the mean over the matches of the
            average of the precision just before and at each match (1 before
            a match at rank 1). Defaults to ``'mean'``.

    Raises:
        ValueError: An unknown protocol or ``ap_mode``, ``max_rank < 1`` or
            a negative ``chunk_size``.
    """

    max_rank: int = 50
    chunk_size: Optional[int] = None
    protocol: str = 'market'
    num_repeats: int = 10
    seed: int = 0
    ap_mode: str = 'mean'

    def __post_init__(self) -> None:
        if self.protocol not in PROTOCOLS:
            raise ValueError(f'Unknown protocol {self.protocol!r}; use one '
                             f'of {PROTOCOLS}.')
        if self.ap_mode not in AP_MODES:
            raise ValueError(f'Unknown ap_mode {self.ap_mode!r}; use one of '
                             f'{AP_MODES}.')
        if self.max_rank < 1:
            raise ValueError(f'max_rank must be >= 1, got {self.max_rank}.')
        if self.chunk_size is not None and self.chunk_size < 0:
            raise ValueError(
                f'chunk_size must be positive, got {self.chunk_size}.')
