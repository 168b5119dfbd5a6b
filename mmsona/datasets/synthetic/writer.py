"""Writing a synthetic benchmark to disk in the Market1501 layout.

The images are rendered from a :class:`SyntheticPlan` (in parallel for big
sizes) into a staging folder, moved into place, and a marker JSON is written
last. A folder whose marker is missing, incomplete or describes other
parameters is regenerated, never trusted.
"""
import json
import os
import os.path as osp
import shutil
from typing import Dict, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
from mmengine.utils import ProgressBar, track_parallel_progress

from .attributes import check_difficulty
from .layout import (GALLERY_DIR, QUERY_DIR, TRAIN_DIR, ImageSpec,
                     SyntheticPlan, plan_benchmark)
from .presets import SyntheticPreset, get_preset
from .render import render_image

__all__ = [
    'generate_synthetic_reid', 'read_synthetic_marker',
    'is_synthetic_complete', 'MARKER_FILE', 'GENERATOR_VERSION'
]

MARKER_FILE = 'synthetic_reid.json'
STAGING_DIR = '.synthetic_reid.partial'
# Bump when the rendering changes, so that old folders are regenerated.
GENERATOR_VERSION = 2
JPEG_QUALITY = 92
# Below this many images, spawning workers costs more than it saves.
MIN_IMAGES_FOR_WORKERS = 400
CHUNK_SIZE = 64
SPLIT_DIRS = (TRAIN_DIR, QUERY_DIR, GALLERY_DIR)

_WORKER_PLAN: Optional[SyntheticPlan] = None


def _expected_marker(preset: SyntheticPreset, seed: int,
                     difficulty: str) -> Dict:
    return dict(
        generator='mmsona.datasets.synthetic',
        generator_version=GENERATOR_VERSION,
        preset=preset.to_dict(),
        seed=int(seed),
        difficulty=difficulty)


def read_synthetic_marker(root: str) -> Optional[Dict]:
    """Read the marker of a generated benchmark.

    Args:
        root (str): Benchmark folder.

    Returns:
        dict, optional: The marker, or None if it is missing or unreadable.
    """
    path = osp.join(root, MARKER_FILE)
    if not osp.isfile(path):
        return None
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def is_synthetic_complete(root: str,
                          size: Union[str, dict, SyntheticPreset] = 'demo',
                          seed: int = 0,
                          difficulty: str = 'normal') -> bool:
    """Whether ``root`` holds a complete benchmark of these parameters.

    Args:
        root (str): Benchmark folder.
        size (str | dict | SyntheticPreset): Size name, preset fields or
            preset.
        seed (int): Seed.
        difficulty (str): ``'normal'``, ``'hard'`` or ``'relational'``.

    Returns:
        bool: True if the marker says complete and matches the parameters
        and the three split folders exist.
    """
    marker = read_synthetic_marker(root)
    if marker is None or not marker.get('complete', False):
        return False
    expected = _expected_marker(get_preset(size), seed, difficulty)
    if any(marker.get(k) != v for k, v in expected.items()):
        return False
    return all(osp.isdir(osp.join(root, d)) for d in SPLIT_DIRS)


def _init_worker(plan: SyntheticPlan) -> None:
    global _WORKER_PLAN
    _WORKER_PLAN = plan


def _write_chunk(task: Tuple[str, Sequence[ImageSpec]]) -> int:
    """Render and write a chunk of images; return how many were written."""
    out_dir, specs = task
    plan = _WORKER_PLAN
    assert plan is not None, '_init_worker must run first'
    preset = plan.preset
    for spec in specs:
        rng = np.random.default_rng([plan.seed, 2, spec.index])
        attrs = plan.image_attributes(spec)
        image = render_image(spec.kind, attrs, plan.cameras[spec.camera], rng,
                             preset.height, preset.width)
        ok, data = cv2.imencode('.jpg', image,
                                [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        if not ok:
            raise RuntimeError(f'JPEG encoding failed for {spec.relpath}')
        with open(osp.join(out_dir, spec.relpath), 'wb') as f:
            f.write(data.tobytes())
    return len(specs)


def _run_tasks(plan: SyntheticPlan, tasks: List[Tuple[str, List[ImageSpec]]],
               num_workers: int, show_progress: bool) -> None:
    if num_workers <= 1:
        _init_worker(plan)
        bar = ProgressBar(len(tasks)) if show_progress else None
        for task in tasks:
            _write_chunk(task)
            if bar is not None:
                bar.update()
        if bar is not None:
            print()
        return
    if show_progress:
        track_parallel_progress(
            _write_chunk,
            tasks,
            num_workers,
            initializer=_init_worker,
            initargs=(plan, ))
        print()
        return
    import multiprocessing
    with multiprocessing.Pool(num_workers, _init_worker, (plan, )) as pool:
        for _ in pool.imap_unordered(_write_chunk, tasks):
            pass


def _clear_previous(root: str) -> None:
    """Remove a previous (incomplete or different) benchmark in ``root``."""
    present = [d for d in SPLIT_DIRS if osp.exists(osp.join(root, d))]
    has_marker = osp.exists(osp.join(root, MARKER_FILE))
    if present and not has_marker:
        raise FileExistsError(
            f'{root!r} already holds {present} but no {MARKER_FILE}, so it '
            'is not a synthetic benchmark written by mmsona (it may be a '
            'real data set). Choose an empty or new folder for the '
            'synthetic benchmark, or delete those folders yourself.')
    for d in present:
        shutil.rmtree(osp.join(root, d))
    staging = osp.join(root, STAGING_DIR)
    if osp.exists(staging):
        shutil.rmtree(staging)


def _write_json(path: str, data: Dict) -> None:
    tmp = path + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        json.dump(data, f, indent=2, sort_keys=True)
    os.replace(tmp, path)


def generate_synthetic_reid(root: str,
                            size: Union[str, dict, SyntheticPreset] = 'demo',
                            seed: int = 0,
                            difficulty: str = 'normal',
                            num_workers: Optional[int] = None,
                            overwrite: bool = False,
                            show_progress: bool = True) -> str:
    """Generate the synthetic re-ID benchmark in the Market1501 layout.

    ``root`` receives ``bounding_box_train/``, ``query/`` and
    ``bounding_box_test/`` (with ``-1`` junk and ``0000`` distractor
    images) of ``height x width`` JPEG files named like
    ``0002_c1s1_000451_03.jpg``, and ``synthetic_reid.json`` describing the
    parameters and counts. The output is byte-identical for the same
    parameters, whatever ``num_workers``. If ``root`` already holds a
    complete benchmark of the same parameters nothing is done.

    Args:
        root (str): Output folder (created if needed).
        size (str | dict | SyntheticPreset): ``'tiny'`` (tests), ``'demo'``
            (a few minutes of CPU training), ``'probe'`` (fewer identities
            with more images: the relational probe's grid), ``'full'``
            (Market1501-like
            counts), or a custom :class:`SyntheticPreset` or dict of its
            fields. Defaults to ``'demo'``.
        seed (int): Seed. Defaults to 0.
        difficulty (str): ``'normal'``, ``'hard'`` (identities told apart
            only by the combination of distant parts) or ``'relational'``
            (only by which distant parts share a colour). Defaults to
            ``'normal'``.
        num_workers (int, optional): Worker processes. Defaults to the CPU
            count (at most 8); small sizes are written in-process.
        overwrite (bool): Regenerate even if a matching benchmark exists.
            Defaults to False.
        show_progress (bool): Show a progress bar. Defaults to True.

    Returns:
        str: ``root``.
    """
    preset = get_preset(size)
    check_difficulty(difficulty)
    if not overwrite and is_synthetic_complete(root, preset, seed, difficulty):
        return root
    os.makedirs(root, exist_ok=True)
    _clear_previous(root)

    marker = _expected_marker(preset, seed, difficulty)
    marker_path = osp.join(root, MARKER_FILE)
    _write_json(marker_path, dict(marker, complete=False))

    plan = plan_benchmark(preset, seed, difficulty)
    staging = osp.join(root, STAGING_DIR)
    for d in SPLIT_DIRS:
        os.makedirs(osp.join(staging, d))
    tasks = [(staging, plan.images[i:i + CHUNK_SIZE])
             for i in range(0, len(plan.images), CHUNK_SIZE)]
    if num_workers is None:
        num_workers = min(8, os.cpu_count() or 1)
    if len(plan.images) < MIN_IMAGES_FOR_WORKERS:
        num_workers = 1
    _run_tasks(plan, tasks, num_workers, show_progress)

    for d in SPLIT_DIRS:
        os.replace(osp.join(staging, d), osp.join(root, d))
    os.rmdir(staging)
    _write_json(marker_path, dict(marker, complete=True, counts=plan.counts()))
    return root
