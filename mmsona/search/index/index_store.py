"""Keeping a built index beside the feature cache it was built from."""
import json
import os
import os.path as osp
from typing import Callable

import numpy as np

from .base_index import BaseIndex

__all__ = ['load_or_build_index']


def _read_json(path: str) -> dict:
    """A JSON object, or ``{}`` when the file is absent or damaged."""
    try:
        with open(path, encoding='utf-8') as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def load_or_build_index(index: BaseIndex,
                        features: np.ndarray,
                        folder: str,
                        version: str,
                        log: Callable[[str], None] = print) -> bool:
    """Load a saved index when it matches the features, else build it.

    A persistent index is stored as ``index_<type>.bin`` with
    ``index_<type>.json`` holding the cache version and the index settings;
    it is reused only when both are unchanged, and rebuilt and saved again
    otherwise. Other indexes are always built.

    Args:
        index (BaseIndex): An empty index.
        features (np.ndarray): ``(G, D)`` gallery features.
        folder (str): Folder of the feature cache.
        version (str): Digest of the cached features
            (:attr:`GalleryFeatureCache.version`).
        log (callable): Where messages go. Defaults to ``print``.

    Returns:
        bool: Whether a saved index was loaded.
    """
    if not index.persistent:
        index.add(features)
        return False
    name = index.params()['type']
    data_file = osp.join(folder, f'index_{name}.bin')
    meta_file = osp.join(folder, f'index_{name}.json')
    wanted = dict(version=version, params=index.params())
    if osp.isfile(data_file) and _read_json(meta_file) == wanted:
        index.load(data_file)
        if index.ntotal == len(features):
            return True
    log(f'Building the {name} index of {len(features)} gallery features ...')
    index.add(features)
    os.makedirs(folder, exist_ok=True)
    index.save(data_file + '.tmp')
    os.replace(data_file + '.tmp', data_file)
    with open(meta_file + '.tmp', 'w', encoding='utf-8') as f:
        json.dump(wanted, f)
    os.replace(meta_file + '.tmp', meta_file)
    return False
