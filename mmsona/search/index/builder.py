"""Choosing an index by the name the tools use."""
from typing import Union

import torch

from .base_index import BaseIndex
from .exact_index import ExactIndex
from .faiss_index import FaissIndex

__all__ = ['INDEX_TYPES', 'build_index']

#: Names accepted by :func:`build_index` (and ``tools/search.py --index``).
INDEX_TYPES = ('exact', 'faiss-flat', 'faiss-ivf', 'faiss-hnsw')


def build_index(index_type: str = 'exact',
                metric: str = 'euclidean',
                device: Union[str, torch.device] = 'cpu',
                **options) -> BaseIndex:
    """An empty index of a given type.

    Args:
        index_type (str): One of :data:`INDEX_TYPES`. Defaults to 'exact'.
        metric (str): ``'euclidean'`` or ``'cosine'``.
        device (str | torch.device): Device of the exact index (the faiss
            indexes run on the CPU).
        **options: Settings of the index (``block_elements`` for the exact
            one; ``nlist``, ``nprobe``, ``hnsw_m``, ``ef_construction``,
            ``ef_search``, ``seed`` for faiss).

    Returns:
        BaseIndex: The index, to be filled with ``add``.

    Raises:
        MissingDependencyError: A faiss index without faiss installed.
    """
    if index_type == 'exact':
        return ExactIndex(metric, device=device, **options)
    if index_type in INDEX_TYPES:
        return FaissIndex(index_type[len('faiss-'):], metric=metric, **options)
    raise ValueError(
        f'index_type must be one of {INDEX_TYPES}, got {index_type!r}.')
