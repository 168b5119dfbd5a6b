"""What every nearest-neighbour index of gallery features provides."""
from abc import ABCMeta, abstractmethod
from typing import Tuple

import numpy as np

__all__ = ['BaseIndex', 'METRICS']

#: Distances an index ranks by: ``'euclidean'`` (L2 distance) or
#: ``'cosine'`` (``1 - cos``), as in :class:`mmsona.evaluation.ReIDMetric`.
METRICS = ('euclidean', 'cosine')


class BaseIndex(metaclass=ABCMeta):
    """A gallery index: add features once, then ask for the k nearest.

    Distances are those of the evaluator: the L2 distance for
    ``'euclidean'`` and ``1 - cos`` for ``'cosine'``, so results of every
    index can be compared with each other and with ``tools/test.py``.

    Args:
        metric (str): ``'euclidean'`` or ``'cosine'``.
    """

    #: Whether :meth:`save` writes something worth keeping beside the
    #: feature cache (an exact index is rebuilt from the features at once).
    persistent = False

    def __init__(self, metric: str = 'euclidean') -> None:
        if metric not in METRICS:
            raise ValueError(
                f'metric must be one of {METRICS}, got {metric!r}.')
        self.metric = metric

    @property
    @abstractmethod
    def ntotal(self) -> int:
        """Number of gallery vectors in the index."""

    @abstractmethod
    def add(self, features: np.ndarray) -> None:
        """Build the index over gallery features.

        Args:
            features (np.ndarray): ``(G, D)`` features (any float dtype,
                memory-mapped arrays included).
        """

    @abstractmethod
    def search(self, queries: np.ndarray,
               k: int) -> Tuple[np.ndarray, np.ndarray]:
        """The k nearest gallery vectors of every query.

        Args:
            queries (np.ndarray): ``(Q, D)`` query features.
            k (int): Neighbours per query (at most ``ntotal`` are returned).

        Returns:
            tuple[np.ndarray, np.ndarray]: ``(Q, k')`` float32 distances in
            increasing order and the ``(Q, k')`` int64 gallery indices,
            ``k' = min(k, ntotal)``. An approximate index may find fewer
            than ``k'`` neighbours for a query; the missing ones have index
            -1 and distance ``inf``.
        """

    def params(self) -> dict:
        """Settings that decide the index's content (saved with it)."""
        return dict(type=type(self).__name__, metric=self.metric)

    def save(self, path: str) -> None:
        """Write the index to a file (only for ``persistent`` indexes)."""
        raise NotImplementedError(
            f'{type(self).__name__} is rebuilt from the features; it is '
            'not saved.')

    def load(self, path: str) -> None:
        """Read an index written by :meth:`save`."""
        raise NotImplementedError(
            f'{type(self).__name__} is rebuilt from the features; it is '
            'not loaded.')
