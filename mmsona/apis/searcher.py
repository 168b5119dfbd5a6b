"""Search a folder of unlabelled images for the people in query images."""
import os
import os.path as osp
import tempfile
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.config import Config

from mmsona.search import (INDEX_TYPES, CacheUpdate, EmptyGalleryError,
                           GalleryFeatureCache, ImageLoader, Match, Query,
                           QueryError, QueryResult, SearchError, build_index,
                           crop_box, expand_queries, load_or_build_index,
                           model_fingerprint, rerank_candidates)
from mmsona.search.image_files import IMG_EXTENSIONS
from mmsona.utils import config_type_name
from .feature_extractor import FeatureExtractor

__all__ = ['ReIDSearcher', 'build_search_model']

QueryInput = Union[str, Query]

#: Gallery candidates per query that re-ranking re-orders (see
#: :func:`~mmsona.search.rerank_candidates`).
DEFAULT_RERANK_POOL = 100


def build_search_model(config: Union[str, Config], checkpoint: str,
                       device: Union[str, torch.device], batch_size: int,
                       cfg_options: Optional[dict],
                       trust_checkpoint: bool) -> FeatureExtractor:
    """Build the model the search embeds images with.

    The checkpoint is loaded weights-only unless ``trust_checkpoint`` is set
    (see :class:`~mmsona.apis.FeatureExtractor`).

    Args:
        config (str | Config): Config file or object.
        checkpoint (str): Checkpoint file.
        device (str | torch.device): Device of the model.
        batch_size (int): Images per forward pass.
        cfg_options (dict, optional): Overrides merged into the config.
        trust_checkpoint (bool): Unpickle the checkpoint fully.

    Returns:
        FeatureExtractor: The model with its test pipeline.
    """
    return FeatureExtractor(
        config,
        checkpoint,
        device=device,
        batch_size=batch_size,
        cfg_options=cfg_options,
        trust_checkpoint=trust_checkpoint)


def config_metric(cfg: Config) -> str:
    """The distance the config's ``ReIDMetric`` evaluates with.

    Args:
        cfg (Config): The config.

    Returns:
        str: ``'euclidean'`` or ``'cosine'`` (``'euclidean'`` when the
        config names no ``ReIDMetric``).
    """
    for key in ('test_evaluator', 'val_evaluator'):
        entries = cfg.get(key)
        if isinstance(entries, dict):
            entries = entries.get('metrics', entries)
        if isinstance(entries, dict):
            entries = [entries]
        for entry in entries or []:
            if isinstance(entry, dict) and config_type_name(
                    entry.get('type')) == 'ReIDMetric':
                return entry.get('metric', 'euclidean')
    return 'euclidean'


def test_pipeline(cfg: Config) -> list:
    """The test pipeline of a config, as the feature extractor reads it.

    Args:
        cfg (Config): The config.

    Returns:
        list[dict]: The transform configs (empty when there is none).
    """
    for key in ('test_dataloader', 'val_dataloader'):
        loader = cfg.get(key) or {}
        pipeline = loader.get('dataset', {}).get('pipeline')
        if pipeline:
            return [dict(t) for t in pipeline]
    return [dict(t) for t in cfg.get('test_pipeline') or []]


def default_device() -> str:
    """``'cuda'`` when a GPU is available, else ``'cpu'``."""
    return 'cuda' if torch.cuda.is_available() else 'cpu'


class ReIDSearcher:
    """Find the people of query images in a folder of unlabelled images.

    The gallery is any folder tree of images (any names, no labels). Its
    features are computed once and kept in a cache folder
    (:class:`~mmsona.search.GalleryFeatureCache`); later calls embed only
    new or changed files. Queries are ranked against the gallery with an
    exact index (default) or a faiss index, optionally re-ranked with
    k-reciprocal re-ranking.

    Example:
        >>> searcher = ReIDSearcher('configs/sona/sona_r50_market.py',
        ...                         'sona_r50_market.pth')
        >>> update = searcher.index_gallery('frames/', cache_dir='out/cache')
        >>> results = searcher.search(['person.jpg', 'frame.jpg:10,20,74,
        ...                            148'], topk=10)
        >>> results[0].matches[0].path
        'cam2/000123.jpg'

    Args:
        config (str | Config): Config file or object.
        checkpoint (str): Checkpoint file, loaded weights-only.
        device (str | torch.device, optional): Device of the model and of
            the exact index. Defaults to CUDA when available, else the CPU.
        index (str): One of :data:`~mmsona.search.INDEX_TYPES`. Defaults to
            'exact'.
        index_options (dict, optional): Settings of the index (e.g.
            ``nprobe``, ``ef_search``; see
            :func:`~mmsona.search.build_index`).
        metric (str, optional): ``'euclidean'`` or ``'cosine'``. Defaults to
            the metric of the config's ``ReIDMetric``.
        batch_size (int): Images per forward pass. Defaults to 32.
        cfg_options (dict, optional): Overrides merged into the config.
        trust_checkpoint (bool): Unpickle the checkpoint fully when it holds
            more than tensors and plain data (runs any code in it: only for
            files you trust). Defaults to False.
        exts (Sequence[str]): Extensions of gallery and query images.
    """

    def __init__(self,
                 config: Union[str, Config],
                 checkpoint: str,
                 device: Optional[Union[str, torch.device]] = None,
                 index: str = 'exact',
                 index_options: Optional[dict] = None,
                 metric: Optional[str] = None,
                 batch_size: int = 32,
                 cfg_options: Optional[dict] = None,
                 trust_checkpoint: bool = False,
                 exts: Sequence[str] = IMG_EXTENSIONS) -> None:
        if index not in INDEX_TYPES:
            raise ValueError(
                f'index must be one of {INDEX_TYPES}, got {index!r}.')
        if checkpoint is None or not osp.isfile(checkpoint):
            raise FileNotFoundError(f'Checkpoint {checkpoint!r} does not '
                                    'exist.')
        self.device = torch.device(device or default_device())
        self.extractor = build_search_model(config, checkpoint, self.device,
                                            batch_size, cfg_options,
                                            trust_checkpoint)
        self.cfg = self.extractor.cfg
        self.metric = metric or config_metric(self.cfg)
        self.index_type = index
        self.index_options = dict(index_options or {})
        self.exts = tuple(exts)
        self.loader = ImageLoader.from_pipeline(self.extractor.file_pipeline)
        self.fingerprint = model_fingerprint(self.cfg.model,
                                             test_pipeline(self.cfg),
                                             checkpoint)
        # Build the index now: a faiss index without faiss fails before any
        # image is embedded.
        self.index = build_index(index, self.metric, self.device,
                                 **self.index_options)
        self.gallery_dir: Optional[str] = None
        self.cache: Optional[GalleryFeatureCache] = None

    def _embed_files(self, paths: List[str]) -> Tuple[np.ndarray, List[str]]:
        """Features of the readable files, and a reason per unreadable one.
        """
        images, reasons = [], []
        for path in paths:
            image, why = self.loader.try_load(path)
            reasons.append(why)
            if image is not None:
                images.append(image)
        if not images:
            return np.zeros((0, 0), np.float32), reasons
        return self.extractor.extract(images, progress=False).numpy(), reasons

    def index_gallery(self,
                      gallery_dir: str,
                      cache_dir: Optional[str] = None,
                      rebuild_cache: bool = False,
                      exclude: Sequence[str] = (),
                      progress: bool = True) -> CacheUpdate:
        """Embed the gallery (new and changed files only) and index it.

        Args:
            gallery_dir (str): Folder of gallery images (sub-folders
                included).
            cache_dir (str, optional): Folder of the feature cache and the
                saved faiss index. Defaults to a temporary folder (nothing
                is kept).
            rebuild_cache (bool): Replace a cache made by another model
                instead of refusing it. Defaults to False.
            exclude (Sequence[str]): Folders inside the gallery to leave
                out (the cache folder always is).
            progress (bool): Show a progress bar. Defaults to True.

        Returns:
            CacheUpdate: How many images were embedded, reused, dropped,
            and the unreadable files that were skipped.

        Raises:
            EmptyGalleryError: No readable image in the folder.
            CacheMismatchError: The cache was made by another model.
        """
        if not osp.isdir(gallery_dir):
            raise SearchError(f'gallery {gallery_dir!r} is not a folder.')
        if cache_dir is None:
            cache_dir = tempfile.mkdtemp(prefix='mmsona_search_')
        cache = GalleryFeatureCache(cache_dir, self.fingerprint)
        cache.load(rebuild=rebuild_cache)
        update = cache.refresh(
            gallery_dir,
            self._embed_files,
            batch_size=self.extractor.batch_size,
            exts=self.exts,
            exclude=[cache_dir, *exclude],
            progress=progress)
        if not cache.paths:
            unreadable = (f', {len(update.skipped)} unreadable file(s)'
                          if update.skipped else '')
            raise EmptyGalleryError(
                f'the gallery {gallery_dir!r} holds no readable image '
                f'({", ".join(self.exts)}{unreadable}).')
        self.index = build_index(self.index_type, self.metric, self.device,
                                 **self.index_options)
        load_or_build_index(self.index, cache.features, cache_dir,
                            cache.version)
        self.gallery_dir = gallery_dir
        self.cache = cache
        return update

    def _as_queries(self, queries: Sequence[QueryInput]) -> List[Query]:
        """Queries from paths, folders, ``IMG:box`` strings or Query."""
        if isinstance(queries, (str, os.PathLike, Query)):
            queries = [queries]
        out: List[Query] = []
        for item in queries:
            if isinstance(item, Query):
                out.append(item)
            else:
                out.extend(expand_queries([os.fspath(item)], self.exts))
        return out

    def embed_queries(self, queries: Sequence[Query]) -> np.ndarray:
        """Features of query images (their boxes, for crops).

        Args:
            queries (Sequence[Query]): The queries.

        Returns:
            np.ndarray: ``(Q, D)`` float32 features.

        Raises:
            QueryError: A query cannot be read or its box is bad.
        """
        images = []
        for query in queries:
            image, why = self.loader.try_load(query.path)
            if image is None:
                raise QueryError(f'query {query.path!r} cannot be read '
                                 f'({why}).')
            images.append(crop_box(image, query.box, query.label))
        return self.extractor.extract(images, progress=False).numpy()

    def search(self,
               queries: Union[QueryInput, Sequence[QueryInput]],
               topk: int = 10,
               rerank: bool = False,
               rerank_pool: int = DEFAULT_RERANK_POOL) -> List[QueryResult]:
        """Rank the gallery for every query.

        Args:
            queries: Image paths, folders of images, ``IMG:x1,y1,x2,y2``
                crops or :class:`~mmsona.search.Query` objects.
            topk (int): Matches per query. Defaults to 10.
            rerank (bool): Re-rank with k-reciprocal re-ranking: the index
                finds ``max(topk, rerank_pool)`` candidates per query and
                the queries are re-ranked over the union of them (the whole
                gallery when it is no larger). Defaults to False.
            rerank_pool (int): Candidates per query for re-ranking.
                Defaults to 100.

        Returns:
            list[QueryResult]: Per query, its matches in rank order.
        """
        if self.cache is None:
            raise RuntimeError('Call index_gallery() before search().')
        if topk < 1:
            raise ValueError(f'topk must be >= 1, got {topk}.')
        query_list = self._as_queries(queries)
        feats = self.embed_queries(query_list)
        depth = max(topk, rerank_pool) if rerank else topk
        dist, idx = self.index.search(feats, depth)
        if rerank:
            dist, idx = rerank_candidates(
                feats,
                self.cache.features,
                idx,
                topk,
                metric=self.metric,
                device=self.device)
        results = []
        for query, row_d, row_i in zip(query_list, dist, idx):
            found = [(float(d), int(i)) for d, i in zip(row_d, row_i)
                     if i >= 0][:topk]
            results.append(
                QueryResult(query, [
                    Match(rank + 1, self.cache.paths[i], d, i)
                    for rank, (d, i) in enumerate(found)
                ]))
        return results
