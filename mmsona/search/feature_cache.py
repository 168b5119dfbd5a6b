"""Gallery features kept on disk and refreshed from the files' sizes/mtimes.

A cache folder holds ``features.npy`` (``N x D`` float32, one row per
readable gallery image, in path order) and ``meta.json`` (the model
fingerprint, the relative paths with their sizes and modification times,
and the files that could not be read). Neither is a pickle: both load
without running code.
"""
import hashlib
import json
import os
import os.path as osp
from typing import Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np
from mmengine.utils import ProgressBar

from .errors import CacheMismatchError
from .image_files import IMG_EXTENSIONS, list_images

__all__ = ['CacheUpdate', 'GalleryFeatureCache', 'EmbedFn']

#: ``embed(abs_paths) -> (features of the readable ones, reason per path)``,
#: the reason being '' for a readable file.
EmbedFn = Callable[[List[str]], Tuple[np.ndarray, List[str]]]

FORMAT_VERSION = 1
#: Rows copied at a time when the feature file is rewritten.
COPY_ROWS = 65536


class CacheUpdate(NamedTuple):
    """What a refresh of the cache did.

    Args:
        num_embedded (int): Images embedded now (new or changed files).
        num_reused (int): Images whose cached features were kept.
        num_removed (int): Cached images no longer in the folder.
        skipped (list[tuple[str, str]]): Unreadable files (relative path,
            reason), left out of the gallery.
    """

    num_embedded: int
    num_reused: int
    num_removed: int
    skipped: List[Tuple[str, str]]


def _stat(path: str) -> Optional[Tuple[int, int]]:
    """``(size, mtime_ns)`` of a file, None when it cannot be read."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return int(st.st_size), int(st.st_mtime_ns)


class GalleryFeatureCache:
    """The features of one gallery folder under one model, on disk.

    Args:
        cache_dir (str): Folder of ``features.npy`` and ``meta.json``
            (created when missing).
        fingerprint (str): Digest of the model
            (:func:`~mmsona.search.model_fingerprint`); a cache written
            under another fingerprint is refused.
    """

    FEATURES = 'features.npy'
    META = 'meta.json'

    def __init__(self, cache_dir: str, fingerprint: str) -> None:
        self.cache_dir = cache_dir
        self.fingerprint = fingerprint
        self.paths: List[str] = []
        self.stats: List[Tuple[int, int]] = []
        self.skipped: Dict[str, Tuple[int, int, str]] = {}
        self.features = np.zeros((0, 0), np.float32)
        self.gallery_dir: Optional[str] = None

    @property
    def features_file(self) -> str:
        """Path of ``features.npy``."""
        return osp.join(self.cache_dir, self.FEATURES)

    @property
    def meta_file(self) -> str:
        """Path of ``meta.json``."""
        return osp.join(self.cache_dir, self.META)

    @property
    def version(self) -> str:
        """Digest of the cached content (model, files and their stats).

        Indexes saved beside the cache record it, so they are rebuilt
        exactly when the features change.
        """
        text = json.dumps([self.fingerprint, self.paths, self.stats])
        return hashlib.sha256(text.encode()).hexdigest()

    def exists(self) -> bool:
        """Whether the folder holds a cache."""
        return osp.isfile(self.meta_file)

    def load(self, rebuild: bool = False) -> None:
        """Read the cache from disk (nothing to read is an empty cache).

        Args:
            rebuild (bool): Discard a cache of another model instead of
                refusing it. Defaults to False.

        Raises:
            CacheMismatchError: The cache was written by another model, or
                its files are damaged (and ``rebuild`` is False).
        """
        if not self.exists():
            return
        try:
            with open(self.meta_file, encoding='utf-8') as f:
                meta = json.load(f)
            stored = meta['fingerprint']
            entries = meta['entries']
            skipped = meta.get('skipped', [])
        except (OSError, ValueError, KeyError, TypeError) as e:
            if rebuild:
                return
            raise CacheMismatchError(
                f'the gallery cache {self.meta_file!r} is damaged '
                f'({type(e).__name__}); pass --rebuild-cache (tools/'
                'search.py) or rebuild_cache=True to embed the gallery '
                'again.') from None
        if stored != self.fingerprint:
            if rebuild:
                return
            raise CacheMismatchError(
                f'the gallery cache in {self.cache_dir!r} was made by another '
                f'model (fingerprint {stored[:12]}, this config and '
                f'checkpoint give {self.fingerprint[:12]}); pass '
                '--rebuild-cache to replace it, or choose another --out.')
        features = self._read_features(len(entries), rebuild)
        if features is None:
            return
        self.features = features
        self.paths = [str(e[0]) for e in entries]
        self.stats = [(int(e[1]), int(e[2])) for e in entries]
        self.skipped = {
            str(e[0]): (int(e[1]), int(e[2]), str(e[3]))
            for e in skipped
        }
        self.gallery_dir = meta.get('gallery')

    def _read_features(self, rows: int, rebuild: bool) -> Optional[np.ndarray]:
        """The feature matrix (memory-mapped), checked against the meta."""
        try:
            features = np.load(
                self.features_file, mmap_mode='r', allow_pickle=False)
            ok = features.ndim == 2 and features.shape[0] == rows
        except (OSError, ValueError):
            ok = False
        if ok:
            return features
        if rebuild:
            return None
        raise CacheMismatchError(
            f'the gallery cache {self.features_file!r} is missing or does '
            f'not match {self.META}; pass --rebuild-cache (tools/search.py) '
            'or rebuild_cache=True to embed the gallery again.')

    def refresh(self,
                gallery_dir: str,
                embed: EmbedFn,
                batch_size: int = 256,
                exts: Sequence[str] = IMG_EXTENSIONS,
                exclude: Sequence[str] = (),
                progress: bool = True) -> CacheUpdate:
        """Bring the cache up to date with a folder and save it.

        Files whose size and modification time equal the cached ones keep
        their features; new and changed files are embedded; files gone from
        the folder are dropped. Unreadable files are remembered (with their
        stats) so that they are not decoded again while unchanged.

        Args:
            gallery_dir (str): The gallery folder (searched recursively).
            embed (EmbedFn): Embeds a batch of absolute paths.
            batch_size (int): Files given to ``embed`` at a time.
            exts (Sequence[str]): Image extensions.
            exclude (Sequence[str]): Folders below ``gallery_dir`` to leave
                out (see :func:`list_images`).
            progress (bool): Show a progress bar while embedding.

        Returns:
            CacheUpdate: What was embedded, kept, dropped and skipped.
        """
        cached = {
            p: (i, s)
            for i, (p, s) in enumerate(zip(self.paths, self.stats))
        }
        keep: Dict[str, Tuple[int, Tuple[int, int]]] = {}
        todo: List[Tuple[str, Tuple[int, int]]] = []
        skipped: Dict[str, Tuple[int, int, str]] = {}
        for rel in list_images(gallery_dir, exts, exclude):
            stat = _stat(osp.join(gallery_dir, rel))
            if stat is None:
                skipped[rel] = (0, 0, 'cannot stat the file')
            elif rel in cached and cached[rel][1] == stat:
                keep[rel] = cached[rel]
            elif rel in self.skipped and self.skipped[rel][:2] == stat:
                skipped[rel] = self.skipped[rel]
            else:
                todo.append((rel, stat))
        new_feats, new_rows = self._embed(gallery_dir, todo, embed, batch_size,
                                          progress, skipped)
        num_removed = len(set(cached) - set(keep) - set(new_rows))
        changed = bool(new_rows) or num_removed or len(keep) != len(cached)
        if changed or skipped != self.skipped or not self.exists():
            self._write(gallery_dir, keep, new_feats, new_rows, skipped)
        self.skipped = skipped
        return CacheUpdate(
            len(new_rows), len(keep), num_removed,
            sorted((rel, v[2]) for rel, v in skipped.items()))

    def _embed(
        self, gallery_dir: str, todo: List[Tuple[str,
                                                 Tuple[int,
                                                       int]]], embed: EmbedFn,
        batch_size: int, progress: bool, skipped: Dict[str, Tuple[int, int,
                                                                  str]]
    ) -> Tuple[List[np.ndarray], Dict[str, Tuple[int, Tuple[int, int]]]]:
        """Embed the listed files; returns feature blocks and row map."""
        blocks: List[np.ndarray] = []
        rows: Dict[str, Tuple[int, Tuple[int, int]]] = {}
        bar = ProgressBar(len(todo)) if progress and todo else None
        count = 0
        for start in range(0, len(todo), batch_size):
            chunk = todo[start:start + batch_size]
            feats, reasons = embed(
                [osp.join(gallery_dir, rel) for rel, _ in chunk])
            readable = [(rel, stat)
                        for (rel, stat), why in zip(chunk, reasons) if not why]
            for (rel, stat), why in zip(chunk, reasons):
                if why:
                    skipped[rel] = (stat[0], stat[1], why)
            if readable:
                blocks.append(np.asarray(feats, dtype=np.float32))
                for rel, stat in readable:
                    rows[rel] = (count, stat)
                    count += 1
            if bar is not None:
                bar.update(len(chunk))
        if bar is not None:
            print()
        return blocks, rows

    def _write(self, gallery_dir: str, keep: Dict[str, Tuple[int, Tuple[int,
                                                                        int]]],
               new_blocks: List[np.ndarray],
               new_rows: Dict[str, Tuple[int, Tuple[int, int]]],
               skipped: Dict[str, Tuple[int, int, str]]) -> None:
        """Write features and meta in path order, each file atomically."""
        os.makedirs(self.cache_dir, exist_ok=True)
        new_feats = np.concatenate(new_blocks) if new_blocks else None
        dim = (
            new_feats.shape[1] if new_feats is not None else
            self.features.shape[1] if self.features.size else 0)
        order = sorted(list(keep) + list(new_rows))
        tmp = self.features_file + '.tmp.npy'
        out = np.lib.format.open_memmap(
            tmp, mode='w+', dtype=np.float32, shape=(len(order), dim))
        for start in range(0, len(order), COPY_ROWS):
            names = order[start:start + COPY_ROWS]
            is_new = np.array([rel in new_rows for rel in names], bool)
            src = np.array([(new_rows.get(rel) or keep[rel])[0]
                            for rel in names], np.int64)
            block = np.empty((len(names), dim), np.float32)
            if is_new.any():
                block[is_new] = new_feats[src[is_new]]
            if not is_new.all():
                block[~is_new] = self.features[src[~is_new]]
            out[start:start + len(names)] = block
        out.flush()
        del out
        os.replace(tmp, self.features_file)
        self.paths = order
        self.stats = [(keep.get(rel) or new_rows[rel])[1] for rel in order]
        self.gallery_dir = osp.abspath(gallery_dir)
        meta = dict(
            format=FORMAT_VERSION,
            fingerprint=self.fingerprint,
            gallery=self.gallery_dir,
            dim=dim,
            entries=[[rel, s[0], s[1]]
                     for rel, s in zip(self.paths, self.stats)],
            skipped=[[rel, *v] for rel, v in sorted(skipped.items())])
        tmp_meta = self.meta_file + '.tmp'
        with open(tmp_meta, 'w', encoding='utf-8') as f:
            json.dump(meta, f)
        os.replace(tmp_meta, self.meta_file)
        self.features = np.load(
            self.features_file, mmap_mode='r', allow_pickle=False)
