"""The plan of a synthetic benchmark: who is seen by which camera, and the
Market1501 file name and folder of every image."""
from collections import Counter
from dataclasses import dataclass, replace
from typing import Dict, List, Optional, Tuple

import numpy as np

from .attributes import (IdentityAttributes, draw_relational_parts,
                         relational_test_identities, sample_identities)
from .camera import CameraProfile, make_cameras
from .presets import SyntheticPreset

__all__ = [
    'ImageSpec', 'SyntheticPlan', 'plan_benchmark', 'TRAIN_DIR', 'QUERY_DIR',
    'GALLERY_DIR', 'market_filename'
]

TRAIN_DIR = 'bounding_box_train'
QUERY_DIR = 'query'
GALLERY_DIR = 'bounding_box_test'
NUM_SEQUENCES = 6
JUNK_PID = -1
DISTRACTOR_PID = 0


@dataclass(frozen=True)
class ImageSpec:
    """One image to render.

    Args:
        relpath (str): Path under the benchmark root, e.g.
            ``'query/0002_c1s1_000451_03.jpg'``.
        kind (str): ``'person'``, ``'junk'`` or ``'distractor'``.
        identity (int): Index into :attr:`SyntheticPlan.identities`, -1 for
            junk and distractors.
        camera (int): 0-based camera index.
        index (int): Position in the plan; seeds the rendering.
    """

    relpath: str
    kind: str
    identity: int
    camera: int
    index: int


@dataclass
class SyntheticPlan:
    """Everything needed to render a benchmark, image by image.

    Args:
        preset (SyntheticPreset): Sizes.
        seed (int): Seed of the benchmark.
        difficulty (str): ``'normal'``, ``'hard'`` or ``'relational'``.
        identities (list[IdentityAttributes]): Training identities first,
            then test identities.
        pids (list[int]): Person id of each identity.
        num_train_ids (int): How many of ``identities`` are for training.
        cameras (list[CameraProfile]): The cameras.
        images (list[ImageSpec]): All images, sorted by path.
    """

    preset: SyntheticPreset
    seed: int
    difficulty: str
    identities: List[IdentityAttributes]
    pids: List[int]
    num_train_ids: int
    cameras: List[CameraProfile]
    images: List[ImageSpec]

    def image_attributes(self,
                         spec: ImageSpec) -> Optional[IdentityAttributes]:
        """What the person of one image wears in that image.

        In the relational probe the colours of the relational parts are
        drawn for every image (from its own seed, so they can be read back
        without rendering); otherwise this is the identity's attributes.

        Args:
            spec (ImageSpec): An image of the plan.

        Returns:
            IdentityAttributes, optional: The attributes, or None for junk
            and distractor images.
        """
        if spec.identity < 0:
            return None
        rng = np.random.default_rng([self.seed, 3, spec.index])
        return draw_relational_parts(self.identities[spec.identity], rng)

    def counts(self) -> Dict[str, int]:
        """Return the number of images in each folder and of each kind."""
        folders = Counter(spec.relpath.split('/')[0] for spec in self.images)
        kinds = Counter(spec.kind for spec in self.images)
        return {
            TRAIN_DIR: folders[TRAIN_DIR],
            QUERY_DIR: folders[QUERY_DIR],
            GALLERY_DIR: folders[GALLERY_DIR],
            'junk': kinds['junk'],
            'distractors': kinds['distractor'],
            'train_ids': self.num_train_ids,
            'test_ids': len(self.identities) - self.num_train_ids,
            'cameras': len(self.cameras),
            'total': len(self.images),
        }


def market_filename(pid: int, camid: int, seq: int, frame: int,
                    bbox: int) -> str:
    """Format a Market1501 file name.

    Args:
        pid (int): Person id (-1 for junk, 0 for distractors).
        camid (int): 1-based camera id.
        seq (int): Sequence id.
        frame (int): Frame number.
        bbox (int): Bounding box index within the frame.

    Returns:
        str: e.g. ``'0002_c1s1_000451_03.jpg'`` or ``'-1_c3s2_000100_01.jpg'``.
    """
    pid_str = '-1' if pid == JUNK_PID else f'{pid:04d}'
    return f'{pid_str}_c{camid}s{seq}_{frame:06d}_{bbox:02d}.jpg'


def _images_per_camera(rng: np.random.Generator,
                       preset: SyntheticPreset) -> Dict[int, int]:
    """Choose the cameras of one identity and its image count in each."""
    lo, hi = preset.cameras_per_id
    cams = rng.choice(
        preset.num_cameras, int(rng.integers(lo, hi + 1)), replace=False)
    total = int(
        rng.integers(preset.images_per_id[0], preset.images_per_id[1] + 1))
    extra = rng.multinomial(total - 2 * len(cams),
                            np.full(len(cams), 1.0 / len(cams)))
    return {int(c): 2 + int(e) for c, e in zip(sorted(cams), extra)}


def plan_benchmark(preset: SyntheticPreset, seed: int,
                   difficulty: str) -> SyntheticPlan:
    """Lay out a benchmark deterministically.

    Training identities go to ``bounding_box_train``. Each test identity
    gives one query per camera for up to ``max_queries_per_id`` of its
    cameras; all its other images go to ``bounding_box_test``, so every
    camera of a test identity keeps a gallery image and each query has a
    match in another camera. Junk and distractor images go to
    ``bounding_box_test``, as in Market1501.

    Args:
        preset (SyntheticPreset): Sizes.
        seed (int): Seed.
        difficulty (str): ``'normal'``, ``'hard'`` or ``'relational'``.

    Returns:
        SyntheticPlan: The plan.
    """
    rng = np.random.default_rng([seed, 0])
    identities = sample_identities(rng, preset.num_train_ids, difficulty)
    if difficulty == 'relational':
        identities += relational_test_identities(identities,
                                                 preset.num_test_ids)
    else:
        identities += sample_identities(rng, preset.num_test_ids, difficulty)
    num_ids = len(identities)
    pid_pool = rng.choice(
        np.arange(1, min(9999, 2 * num_ids + 2)), num_ids, replace=False)
    pids = [int(p) for p in pid_pool]

    # (folder, pid, camera, kind, identity) of every image.
    entries: List[Tuple[str, int, int, str, int]] = []
    for ident in range(num_ids):
        per_cam = _images_per_camera(rng, preset)
        if ident < preset.num_train_ids:
            for cam, count in per_cam.items():
                entries += [(TRAIN_DIR, pids[ident], cam, 'person', ident)
                            ] * count
            continue
        cams = sorted(per_cam)
        num_q = min(preset.max_queries_per_id, len(cams))
        query_cams = set(int(c) for c in rng.choice(cams, num_q, False))
        for cam, count in per_cam.items():
            num_query = 1 if cam in query_cams else 0
            entries += [(QUERY_DIR, pids[ident], cam, 'person', ident)
                        ] * num_query
            entries += [(GALLERY_DIR, pids[ident], cam, 'person', ident)] * (
                count - num_query)
    for _ in range(preset.num_junk):
        cam = int(rng.integers(preset.num_cameras))
        entries.append((GALLERY_DIR, JUNK_PID, cam, 'junk', -1))
    for _ in range(preset.num_distractors):
        cam = int(rng.integers(preset.num_cameras))
        entries.append((GALLERY_DIR, DISTRACTOR_PID, cam, 'distractor', -1))

    cameras = make_cameras(seed, preset.num_cameras)
    if difficulty == 'relational':
        # One imaging chain and scene for every camera of the probe: with
        # per-camera colour casts and scenes, a group-mate seen by the
        # query's camera looks more like the query than the query's own
        # identity in another camera, so a model blind to the relation would
        # rank group-mates first instead of in random order.
        cameras = [replace(cameras[0], index=i) for i in range(len(cameras))]
    # Name the images in a random temporal order, so frame numbers of one
    # person interleave with those of others like in a real recording.
    frames = np.zeros((preset.num_cameras, NUM_SEQUENCES + 1), np.int64)
    named = []
    for order in rng.permutation(len(entries)):
        folder, pid, cam, kind, ident = entries[order]
        seq = int(rng.integers(1, NUM_SEQUENCES + 1))
        frames[cam, seq] += int(rng.integers(1, 60))
        name = market_filename(pid, cam + 1, seq, int(frames[cam, seq]),
                               int(rng.integers(1, 5)))
        named.append((f'{folder}/{name}', kind, ident, cam))
    named.sort()
    images = [
        ImageSpec(relpath=p, kind=k, identity=i, camera=c, index=n)
        for n, (p, k, i, c) in enumerate(named)
    ]
    return SyntheticPlan(
        preset=preset,
        seed=seed,
        difficulty=difficulty,
        identities=identities,
        pids=pids,
        num_train_ids=preset.num_train_ids,
        cameras=cameras,
        images=images)
