"""Flat, IVF and HNSW indexes of the optional faiss library."""
import math
from types import ModuleType
from typing import Optional, Tuple

import numpy as np

from ..errors import MissingDependencyError
from .base_index import BaseIndex

__all__ = ['FaissIndex', 'import_faiss']

#: Gallery rows added to a faiss index at a time (bounds the float32 copy).
ADD_ROWS = 65536
#: IVF training points per list (faiss subsamples above 256).
TRAIN_POINTS_PER_LIST = 64


def import_faiss() -> ModuleType:
    """Import faiss, or say how to install it.

    Returns:
        module: The faiss module.

    Raises:
        MissingDependencyError: faiss is not installed.
    """
    try:
        import faiss
    except ImportError:
        raise MissingDependencyError(
            'the faiss indexes need the faiss package: pip install '
            '"mmsona[faiss]" (or pip install faiss-cpu); the default '
            '--index exact needs nothing.') from None
    return faiss


class FaissIndex(BaseIndex):
    """A faiss index over the gallery: flat, IVF or HNSW.

    - ``'flat'``: exhaustive search, the same neighbours as
      :class:`ExactIndex`;
    - ``'ivf'``: an inverted file of ``nlist`` k-means lists; a query
      visits the ``nprobe`` nearest lists;
    - ``'hnsw'``: a graph with ``hnsw_m`` links per vector, searched with
      a candidate list of ``ef_search``.

    For ``'cosine'`` the vectors are L2-normalised and compared by inner
    product; the distances returned are those of the evaluator (L2, or
    ``1 - cos``).

    Args:
        kind (str): ``'flat'``, ``'ivf'`` or ``'hnsw'``.
        metric (str): ``'euclidean'`` or ``'cosine'``.
        nlist (int, optional): IVF lists. Defaults to ``4 * sqrt(G)``,
            at most ``G / 39`` (faiss's minimum of training points per
            list).
        nprobe (int, optional): IVF lists visited per query. Defaults to
            ``max(16, nlist // 32)``, at most ``nlist``.
        hnsw_m (int): HNSW links per vector. Defaults to 32.
        ef_construction (int): HNSW candidate list while building.
            Defaults to 80.
        ef_search (int): HNSW candidate list while searching (raised to
            ``k`` when smaller). Defaults to 128.
        seed (int): Seed of the IVF training sample and k-means. Defaults
            to 0.
    """

    persistent = True
    KINDS = ('flat', 'ivf', 'hnsw')

    def __init__(self,
                 kind: str = 'flat',
                 metric: str = 'euclidean',
                 nlist: Optional[int] = None,
                 nprobe: Optional[int] = None,
                 hnsw_m: int = 32,
                 ef_construction: int = 80,
                 ef_search: int = 128,
                 seed: int = 0) -> None:
        super().__init__(metric)
        if kind not in self.KINDS:
            raise ValueError(
                f'kind must be one of {self.KINDS}, got {kind!r}.')
        for name, value in (('nlist', nlist), ('nprobe', nprobe), ('hnsw_m',
                                                                   hnsw_m),
                            ('ef_construction', ef_construction), ('ef_search',
                                                                   ef_search)):
            if value is not None and int(value) < 1:
                raise ValueError(f'{name} must be >= 1, got {value}.')
        self.faiss = import_faiss()
        self.kind = kind
        self.nlist = nlist
        self.nprobe = nprobe
        self.hnsw_m = int(hnsw_m)
        self.ef_construction = int(ef_construction)
        self.ef_search = int(ef_search)
        self.seed = int(seed)
        self.index = None

    @property
    def ntotal(self) -> int:
        return 0 if self.index is None else int(self.index.ntotal)

    @property
    def _faiss_metric(self) -> int:
        return (self.faiss.METRIC_INNER_PRODUCT
                if self.metric == 'cosine' else self.faiss.METRIC_L2)

    def _vectors(self, features: np.ndarray) -> np.ndarray:
        """float32, C-contiguous, unit length for cosine."""
        if self.metric != 'cosine':
            return np.ascontiguousarray(features, dtype=np.float32)
        x = np.array(features, dtype=np.float32, order='C', copy=True)
        self.faiss.normalize_L2(x)
        return x

    def _choose_nlist(self, num: int) -> int:
        """The IVF list count for a gallery of ``num`` vectors."""
        if self.nlist is not None:
            return max(1, min(int(self.nlist), num))
        return max(1, min(int(round(4 * math.sqrt(num))), num // 39))

    def _choose_nprobe(self, nlist: int) -> int:
        """The IVF lists visited per query."""
        if self.nprobe is not None:
            return min(int(self.nprobe), nlist)
        return min(max(16, nlist // 32), nlist)

    def _new_index(self, dim: int, features: np.ndarray):
        """An empty (for IVF: trained) faiss index."""
        faiss = self.faiss
        if self.kind == 'flat':
            return faiss.IndexFlat(dim, self._faiss_metric)
        if self.kind == 'hnsw':
            index = faiss.IndexHNSWFlat(dim, self.hnsw_m, self._faiss_metric)
            index.hnsw.efConstruction = self.ef_construction
            return index
        num = len(features)
        nlist = self._choose_nlist(num)
        quantizer = faiss.IndexFlat(dim, self._faiss_metric)
        index = faiss.IndexIVFFlat(quantizer, dim, nlist, self._faiss_metric)
        index.cp.seed = self.seed
        rng = np.random.default_rng(self.seed)
        size = min(num, max(nlist * TRAIN_POINTS_PER_LIST, 10000))
        sample = np.sort(rng.choice(num, size=size, replace=False))
        index.train(self._vectors(features[sample]))
        index.nprobe = self._choose_nprobe(nlist)
        return index

    def add(self, features: np.ndarray) -> None:
        if len(features.shape) != 2 or features.shape[0] == 0:
            raise ValueError('A faiss index needs a non-empty (G, D) '
                             f'feature matrix, got {features.shape}.')
        index = self._new_index(int(features.shape[1]), features)
        for start in range(0, len(features), ADD_ROWS):
            index.add(self._vectors(features[start:start + ADD_ROWS]))
        self.index = index

    def search(self, queries: np.ndarray,
               k: int) -> Tuple[np.ndarray, np.ndarray]:
        if self.index is None:
            raise RuntimeError('Call add() or load() before search().')
        k = max(0, min(int(k), self.ntotal))
        num_q = len(queries)
        if k == 0 or num_q == 0:
            return (np.empty((num_q, k),
                             np.float32), np.empty((num_q, k), np.int64))
        if self.kind == 'hnsw':
            self.index.hnsw.efSearch = max(self.ef_search, k)
        scores, indices = self.index.search(self._vectors(queries), k)
        if self.metric == 'cosine':
            dist = 1 - scores
        else:
            dist = np.sqrt(np.maximum(scores, 0))
        dist = np.maximum(dist, 0).astype(np.float32)
        missing = indices < 0
        dist[missing] = np.inf
        return dist, indices.astype(np.int64)

    def params(self) -> dict:
        out = dict(type=f'faiss-{self.kind}', metric=self.metric)
        if self.kind == 'ivf':
            out.update(nlist=self.nlist, seed=self.seed)
        elif self.kind == 'hnsw':
            out.update(
                hnsw_m=self.hnsw_m, ef_construction=self.ef_construction)
        return out

    def save(self, path: str) -> None:
        """Write the index with ``faiss.write_index``."""
        if self.index is None:
            raise RuntimeError('Nothing to save: the index is empty.')
        self.faiss.write_index(self.index, path)

    def load(self, path: str) -> None:
        """Read an index written by :meth:`save` (search settings reapplied).
        """
        index = self.faiss.read_index(path)
        if self.kind == 'ivf':
            ivf = self.faiss.extract_index_ivf(index)
            ivf.nprobe = self._choose_nprobe(int(ivf.nlist))
        self.index = index
