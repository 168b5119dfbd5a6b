"""Simulated surveillance cameras: scene, framing, occluders and optics.

Every camera has its own background scene, preferred viewpoints, framing
jitter, occlusion rate and imaging chain (colour cast, brightness, gamma,
contrast, an illumination gradient, blur and sensor noise), so the same
person looks different in each camera, as in real multi-camera data.
"""
import functools
from dataclasses import dataclass
from typing import List, Tuple

import cv2
import numpy as np

__all__ = [
    'CameraProfile', 'make_cameras', 'scene_crop', 'draw_occluder',
    'apply_optics'
]

SCENE_WIDTH_FACTOR = 4


@dataclass(frozen=True)
class CameraProfile:
    """Everything one simulated camera does to an image.

    Args:
        index (int): 0-based camera index.
        gain (tuple[float]): Per-channel (BGR) gain, the colour cast.
        brightness (float): Global gain.
        gamma (float): Tone curve exponent.
        contrast (float): Contrast around mid-grey.
        gradient (tuple[float, float]): Illumination change from the top to
            the bottom and from the left to the right of an image.
        blur_sigma (float): Gaussian blur in output pixels.
        noise_std (float): Sensor noise (grey levels).
        view_probs (tuple[float]): Probabilities of the front, back, left
            and right views.
        scale_range (tuple[float, float]): Body height as a fraction of the
            image height.
        max_shift (float): Horizontal framing jitter, fraction of the width.
        occlusion_prob (float): Probability of an occluder.
        scene_seed (int): Seed of the camera's background scene.
    """

    index: int
    gain: Tuple[float, float, float]
    brightness: float
    gamma: float
    contrast: float
    gradient: Tuple[float, float]
    blur_sigma: float
    noise_std: float
    view_probs: Tuple[float, float, float, float]
    scale_range: Tuple[float, float]
    max_shift: float
    occlusion_prob: float
    scene_seed: int


def make_cameras(seed: int, num: int) -> List[CameraProfile]:
    """Draw ``num`` camera profiles deterministically from ``seed``.

    Args:
        seed (int): Seed of the benchmark.
        num (int): Number of cameras.

    Returns:
        list[CameraProfile]: The cameras, index 0..num-1.
    """
    cameras = []
    for index in range(num):
        rng = np.random.default_rng([seed, 1, index])
        views = rng.dirichlet([1.5, 1.5, 0.8, 0.8])
        cameras.append(
            CameraProfile(
                index=index,
                gain=tuple(float(g) for g in rng.uniform(0.8, 1.2, 3)),
                brightness=float(rng.uniform(0.75, 1.2)),
                gamma=float(rng.uniform(0.8, 1.25)),
                contrast=float(rng.uniform(0.75, 1.1)),
                gradient=tuple(float(g) for g in rng.uniform(-0.25, 0.25, 2)),
                blur_sigma=float(rng.uniform(0.0, 0.9)),
                noise_std=float(rng.uniform(2.0, 7.0)),
                view_probs=tuple(float(v) for v in views),
                scale_range=(float(rng.uniform(0.72, 0.82)),
                             float(rng.uniform(0.88, 0.97))),
                max_shift=float(rng.uniform(0.04, 0.12)),
                occlusion_prob=float(rng.uniform(0.08, 0.25)),
                scene_seed=int(rng.integers(2**31))))
    return cameras


@functools.lru_cache(maxsize=16)
def _scene(scene_seed: int, height: int, width: int) -> np.ndarray:
    """A wide background strip of a camera: wall, floor and clutter."""
    rng = np.random.default_rng(scene_seed)
    scene_w = width * SCENE_WIDTH_FACTOR
    scene = np.empty((height, scene_w, 3), np.uint8)
    horizon = int(height * rng.uniform(0.35, 0.65))
    wall = rng.integers(60, 200, 3)
    floor = rng.integers(50, 170, 3)
    scene[:horizon] = wall
    scene[horizon:] = floor
    # Floor tiles or road markings.
    step = int(rng.integers(12, 40))
    line = tuple(
        int(v) for v in np.clip(floor + rng.integers(-40, 40, 3), 0, 255))
    for yy in range(horizon + step // 2, height, step):
        cv2.line(scene, (0, yy), (scene_w - 1, yy), line, 1)
    # Windows, doors, shop fronts, poles, plants.
    for _ in range(int(rng.integers(6, 14))):
        colour = tuple(int(v) for v in rng.integers(20, 235, 3))
        x0 = int(rng.integers(0, scene_w))
        w = int(rng.integers(width // 8, width))
        y0 = int(rng.integers(0, max(1, horizon - 10)))
        h = int(rng.integers(height // 10, max(height // 10 + 1, horizon)))
        cv2.rectangle(scene, (x0, y0), (x0 + w, min(y0 + h, horizon)), colour,
                      -1)
    for _ in range(int(rng.integers(1, 4))):
        colour = tuple(int(v) for v in rng.integers(20, 200, 3))
        x0 = int(rng.integers(0, scene_w))
        cv2.rectangle(scene, (x0, 0), (x0 + max(2, width // 20), height),
                      colour, -1)
    texture = rng.normal(0, 6, (height, scene_w, 1))
    scene = np.clip(scene + texture, 0, 255).astype(np.uint8)
    scene.setflags(write=False)
    return scene


def scene_crop(camera: CameraProfile, rng: np.random.Generator, height: int,
               width: int) -> np.ndarray:
    """Cut a background window from the camera's scene.

    Args:
        camera (CameraProfile): The camera.
        rng (numpy.random.Generator): Source of randomness.
        height (int): Canvas height.
        width (int): Canvas width.

    Returns:
        np.ndarray: A writable ``height x width x 3`` uint8 BGR canvas.
    """
    scene = _scene(camera.scene_seed, height, width)
    x0 = int(rng.integers(0, scene.shape[1] - width + 1))
    crop = scene[:, x0:x0 + width].astype(np.int16)
    crop += rng.integers(-12, 13, 3, dtype=np.int16)
    return np.clip(crop, 0, 255).astype(np.uint8)


def draw_occluder(canvas: np.ndarray, rng: np.random.Generator) -> None:
    """Draw a static occluder (a car, a bench, a bin or a pole) in place.

    Args:
        canvas (np.ndarray): ``H x W x 3`` uint8 BGR image.
        rng (numpy.random.Generator): Source of randomness.
    """
    h, w = canvas.shape[:2]
    colour = tuple(int(v) for v in rng.integers(20, 230, 3))
    kind = rng.choice(['low', 'side', 'pole'], p=[0.5, 0.3, 0.2])
    if kind == 'low':
        top = int(h * rng.uniform(0.6, 0.8))
        x0 = int(w * rng.uniform(-0.3, 0.3))
        x1 = x0 + int(w * rng.uniform(0.6, 1.3))
        cv2.rectangle(canvas, (x0, top), (x1, h), colour, -1)
        edge = tuple(max(0, c - 40) for c in colour)
        cv2.line(canvas, (x0, top), (x1, top), edge, 2)
    elif kind == 'side':
        width = int(w * rng.uniform(0.2, 0.4))
        if rng.random() < 0.5:
            cv2.rectangle(canvas, (0, int(h * 0.3)), (width, h), colour, -1)
        else:
            cv2.rectangle(canvas, (w - width, int(h * 0.3)), (w, h), colour,
                          -1)
    else:
        x0 = int(rng.integers(0, w))
        cv2.rectangle(canvas, (x0, 0), (x0 + max(2, w // 12), h), colour, -1)


def apply_optics(image: np.ndarray, camera: CameraProfile,
                 rng: np.random.Generator) -> np.ndarray:
    """Pass an image through a camera's imaging chain.

    Args:
        image (np.ndarray): ``H x W x 3`` uint8 BGR image.
        camera (CameraProfile): The camera.
        rng (numpy.random.Generator): Source of randomness (per-image
            lighting flicker and noise).

    Returns:
        np.ndarray: The uint8 image as the camera records it.
    """
    h, w = image.shape[:2]
    img = image.astype(np.float32) / 255.0
    gain = np.asarray(camera.gain, np.float32) * camera.brightness
    gain = gain * np.float32(rng.uniform(0.9, 1.1))
    ys = np.linspace(-0.5, 0.5, h, dtype=np.float32)[:, None]
    xs = np.linspace(-0.5, 0.5, w, dtype=np.float32)[None, :]
    light = 1.0 + camera.gradient[0] * ys + camera.gradient[1] * xs
    img = img * gain[None, None, :] * light[:, :, None]
    img = np.clip(img, 0.0, 1.0)**np.float32(camera.gamma)
    img = (img - 0.5) * np.float32(camera.contrast) + 0.5
    if camera.blur_sigma > 0.3:
        img = cv2.GaussianBlur(img, (0, 0), camera.blur_sigma)
    img = img * 255.0 + rng.normal(0.0, camera.noise_std, img.shape).astype(
        np.float32)
    return np.clip(img + 0.5, 0, 255).astype(np.uint8)
