"""Extraction of the raw CUHK03 release into image files and a split JSON.

``cuhk-03.mat`` (MATLAB 7.3, i.e. HDF5) holds, for ``'labeled'`` and
``'detected'``, five camera pairs; each is a ``10 x num_pids`` cell array of
RGB images (columns 1-5 from the pair's first camera, 6-10 from its second;
empty cells are missing images). The new protocol (Zhong et al., CVPR 2017)
comes as ``cuhk03_new_protocol_config_{labeled,detected}.mat`` with
``filelist`` (names ``<pair>_<pid:03d>_<camera>_<image:02d>.png``),
``labels`` (person ids), and 1-based ``train_idx``, ``query_idx`` and
``gallery_idx``.
"""
import json
import os
import os.path as osp
from typing import Dict, List

import cv2
import numpy as np
from mmengine.utils import ProgressBar

__all__ = ['extract_cuhk03', 'split_json_path', 'CUHK03_SPLIT_VERSION']

CUHK03_SPLIT_VERSION = 1


def split_json_path(cache_dir: str, subset: str) -> str:
    """Path of the split JSON of ``subset`` in ``cache_dir``."""
    return osp.join(cache_dir, f'splits_new_{subset}.json')


def _import_h5py():
    try:
        import h5py
    except ImportError as e:
        raise ImportError(
            'Reading the raw CUHK03 release (cuhk-03.mat, an HDF5 file) '
            'needs h5py: pip install h5py. Alternatively use the CUHK03-NP '
            'folder release, which needs nothing extra.') from e
    return h5py


def _cell_name(entry) -> str:
    """A file name from a ``filelist`` cell as scipy.io.loadmat returns it."""
    while isinstance(entry, np.ndarray):
        entry = entry.reshape(-1)[0]
    return str(entry)


def _extract_images(mat_path: str, subset: str, image_dir: str,
                    show_progress: bool) -> int:
    h5py = _import_h5py()
    os.makedirs(image_dir, exist_ok=True)
    written = 0
    with h5py.File(mat_path, 'r') as f:
        if subset not in f:
            raise ValueError(f'{mat_path!r} has no {subset!r} entry; is it '
                             "CUHK03's cuhk-03.mat?")
        pair_refs = f[subset][0]
        pairs = [np.asarray(f[ref]).T for ref in pair_refs]
        bar = ProgressBar(sum(len(p) for p in pairs)) \
            if show_progress else None
        for pair_index, cells in enumerate(pairs):
            for pid_index, row in enumerate(cells):
                for image_index, ref in enumerate(row):
                    img = np.asarray(f[ref])
                    if img.ndim != 3 or img.size == 0:
                        continue
                    camera = 1 if image_index < 5 else 2
                    name = (f'{pair_index + 1}_{pid_index + 1:03d}_'
                            f'{camera}_{image_index + 1:02d}.png')
                    rgb = np.ascontiguousarray(img.T)
                    cv2.imwrite(
                        osp.join(image_dir, name),
                        cv2.cvtColor(rgb.astype(np.uint8), cv2.COLOR_RGB2BGR))
                    written += 1
                if bar is not None:
                    bar.update()
        if bar is not None:
            print()
    return written


def _read_protocol(config_path: str, image_dir: str) -> Dict[str, List]:
    from scipy.io import loadmat
    config = loadmat(config_path)
    missing = [
        k for k in ('filelist', 'labels', 'train_idx', 'query_idx',
                    'gallery_idx') if k not in config
    ]
    if missing:
        raise ValueError(f'{config_path!r} lacks {missing}; expected a '
                         'cuhk03_new_protocol_config_*.mat file.')
    names = [_cell_name(e) for e in config['filelist'].reshape(-1)]
    labels = config['labels'].reshape(-1).astype(np.int64)
    splits: Dict[str, List] = {}
    for split, key in (('train', 'train_idx'), ('query', 'query_idx'),
                       ('gallery', 'gallery_idx')):
        records = []
        for idx in config[key].reshape(-1).astype(np.int64) - 1:
            name = names[idx]
            if not osp.isfile(osp.join(image_dir, name)):
                raise ValueError(
                    f'{config_path!r} lists {name!r}, which '
                    'cuhk-03.mat does not hold: the two files do not belong '
                    'together (labeled vs detected?).')
            camid = int(name.split('_')[2]) - 1
            records.append([name, int(labels[idx]), camid])
        splits[split] = sorted(records)
    return splits


def extract_cuhk03(mat_path: str,
                   config_path: str,
                   subset: str,
                   cache_dir: str,
                   show_progress: bool = True) -> str:
    """Extract one subset of the raw CUHK03 release, once.

    Images go to ``<cache_dir>/images_<subset>/`` and the new-protocol
    split to ``<cache_dir>/splits_new_<subset>.json``, written last: if it
    exists, the extraction is complete and nothing is done.

    Args:
        mat_path (str): ``cuhk-03.mat``.
        config_path (str): ``cuhk03_new_protocol_config_<subset>.mat``.
        subset (str): ``'labeled'`` or ``'detected'``.
        cache_dir (str): Output folder.
        show_progress (bool): Show a progress bar. Defaults to True.

    Returns:
        str: The split JSON path.
    """
    json_path = split_json_path(cache_dir, subset)
    if osp.isfile(json_path):
        return json_path
    image_dir = osp.join(cache_dir, f'images_{subset}')
    _extract_images(mat_path, subset, image_dir, show_progress)
    splits = _read_protocol(config_path, image_dir)
    payload = dict(
        version=CUHK03_SPLIT_VERSION,
        subset=subset,
        image_dir=osp.basename(image_dir),
        source=[osp.basename(mat_path),
                osp.basename(config_path)],
        **splits)
    tmp = json_path + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        json.dump(payload, f)
    os.replace(tmp, json_path)
    return json_path
