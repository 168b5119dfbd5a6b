"""Composition of one synthetic image: scene, figures, occluders, optics."""
import copy
from typing import Dict, Optional, Sequence, Tuple

import cv2
import numpy as np

from .attributes import IdentityAttributes, sample_identity
from .camera import CameraProfile, apply_optics, draw_occluder, scene_crop
from .figure import VIEWS, Pose, draw_figure, jitter_colours

__all__ = ['render_image', 'render_person_with_parts', 'PART_LABELS']

# Images are drawn at twice the output size and downscaled (anti-aliasing).
SUPERSAMPLE = 2
COLOUR_JITTER = 16.0
BYSTANDER_PROB = 0.15
# Codes of the subject's parts in the label maps of
# :func:`render_person_with_parts`; 0 is background, bystanders and
# occluders.
PART_LABELS: Dict[str, int] = dict(
    hat=1,
    belt=2,
    shoes=3,
    upper=4,
    upper_secondary=4,
    lower=5,
    hair=6,
    skin=6,
    bag=7)


def _random_pose(rng: np.random.Generator, camera: CameraProfile, height: int,
                 width: int) -> Pose:
    view = VIEWS[int(rng.choice(4, p=camera.view_probs))]
    scale = rng.uniform(*camera.scale_range)
    body = scale * height
    foot_y = height - rng.uniform(0.0, 0.05) * height
    cx = width / 2 + rng.uniform(-camera.max_shift, camera.max_shift) * width
    return Pose(
        cx=float(cx),
        foot_y=float(foot_y),
        height=float(body),
        view=view,
        phase=float(rng.uniform(0, 2 * np.pi)))


def _bystander(canvas: np.ndarray, rng: np.random.Generator) -> None:
    """Another pedestrian cut by the image border, behind the subject."""
    height, width = canvas.shape[:2]
    attrs = sample_identity(rng)
    side = 1 if rng.random() < 0.5 else -1
    pose = Pose(
        cx=float(width / 2 + side * width * rng.uniform(0.55, 0.8)),
        foot_y=float(height * rng.uniform(0.9, 1.1)),
        height=float(height * rng.uniform(0.8, 1.0)),
        view=VIEWS[int(rng.integers(4))],
        phase=float(rng.uniform(0, 2 * np.pi)))
    draw_figure(canvas, attrs, jitter_colours(attrs, rng, COLOUR_JITTER), pose)


def _fragment(canvas: np.ndarray, rng: np.random.Generator) -> None:
    """A badly framed detection: a partial body far off the centre."""
    height, width = canvas.shape[:2]
    attrs = sample_identity(rng)
    choices: Sequence[tuple] = (('legs', ), ('head', 'torso'),
                                ('torso', 'arms'), ('head', 'torso', 'arms',
                                                    'legs'))
    parts = choices[int(rng.integers(len(choices)))]
    pose = Pose(
        cx=float(width * rng.uniform(-0.1, 1.1)),
        foot_y=float(height * rng.uniform(0.7, 1.6)),
        height=float(height * rng.uniform(0.8, 1.6)),
        view=VIEWS[int(rng.integers(4))],
        phase=float(rng.uniform(0, 2 * np.pi)))
    draw_figure(canvas, attrs, jitter_colours(attrs, rng, COLOUR_JITTER), pose,
                parts)


def _part_label_colours(colours: Dict) -> Dict:
    """Label-map colours of the parts present in ``colours``."""
    return {
        name: (PART_LABELS[name], ) * 3
        for name in colours if name in PART_LABELS
    }


def _compose(kind: str, attrs: IdentityAttributes, camera: CameraProfile,
             rng: np.random.Generator, height: int, width: int,
             with_parts: bool) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Render one image and, if asked, the label map of the subject."""
    big_h, big_w = height * SUPERSAMPLE, width * SUPERSAMPLE
    canvas = scene_crop(camera, rng, big_h, big_w)
    labels = np.zeros_like(canvas) if with_parts else None
    if kind == 'person':
        if rng.random() < BYSTANDER_PROB:
            _bystander(canvas, rng)
        pose = _random_pose(rng, camera, big_h, big_w)
        colours = jitter_colours(attrs, rng, COLOUR_JITTER)
        draw_figure(canvas, attrs, colours, pose)
        if labels is not None:
            draw_figure(labels, attrs, _part_label_colours(colours), pose)
        if rng.random() < camera.occlusion_prob:
            if labels is not None:
                # The same occluder on a white canvas marks what it hides
                # (occluder colours are below 230).
                hidden = np.full_like(canvas, 255)
                draw_occluder(hidden, copy.deepcopy(rng))
                labels[(hidden < 255).any(-1)] = 0
            draw_occluder(canvas, rng)
    elif kind == 'junk':
        if rng.random() < 0.7:
            _fragment(canvas, rng)
        draw_occluder(canvas, rng)
    elif kind == 'distractor':
        if rng.random() < 0.5:
            _fragment(canvas, rng)
        for _ in range(int(rng.integers(1, 3))):
            draw_occluder(canvas, rng)
    else:
        raise ValueError(f'Unknown image kind {kind!r}')
    small = cv2.resize(canvas, (width, height), interpolation=cv2.INTER_AREA)
    if labels is not None:
        labels = cv2.resize(
            labels[..., 0], (width, height), interpolation=cv2.INTER_NEAREST)
    return apply_optics(small, camera, rng), labels


def render_image(kind: str, attrs: IdentityAttributes, camera: CameraProfile,
                 rng: np.random.Generator, height: int,
                 width: int) -> np.ndarray:
    """Render one image as ``camera`` records it.

    Args:
        kind (str): ``'person'`` (a well framed pedestrian of ``attrs``),
            ``'junk'`` (a fragment of a body or background: Market1501's
            ``-1``) or ``'distractor'`` (a false detection: background and
            clutter, sometimes a partial stranger: Market1501's ``0000``).
        attrs (IdentityAttributes): The identity (ignored unless
            ``kind='person'``).
        camera (CameraProfile): The camera.
        rng (numpy.random.Generator): Source of randomness of this image.
        height (int): Output height.
        width (int): Output width.

    Returns:
        np.ndarray: ``height x width x 3`` uint8 BGR image.
    """
    return _compose(kind, attrs, camera, rng, height, width, False)[0]


def render_person_with_parts(attrs: IdentityAttributes, camera: CameraProfile,
                             rng: np.random.Generator, height: int,
                             width: int) -> Tuple[np.ndarray, np.ndarray]:
    """Render a person image and the map of where each of its parts is.

    The image is exactly :func:`render_image` of ``kind='person'`` with the
    same arguments.

    Args:
        attrs (IdentityAttributes): The identity.
        camera (CameraProfile): The camera.
        rng (numpy.random.Generator): Source of randomness of this image.
        height (int): Output height.
        width (int): Output width.

    Returns:
        tuple[np.ndarray, np.ndarray]: The ``height x width x 3`` uint8 BGR
        image and a ``height x width`` uint8 map of :data:`PART_LABELS`
        codes of the subject's visible parts (0 elsewhere).
    """
    return _compose('person', attrs, camera, rng, height, width, True)
