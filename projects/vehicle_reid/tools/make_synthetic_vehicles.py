"""Render a small synthetic vehicle re-ID data set, one folder per vehicle.

A stand-in for a user's own data (VeRi-776, VehicleID, a private camera
network): side views of cars whose identity lies in the body colour and
type, a stripe, roof equipment, rim colour and a door sticker, seen by
several simulated cameras (viewing direction, scale, shift, colour cast,
blur, background clutter, occluding poles). The output is the plain
folder-per-identity layout many data sets arrive in::

    OUT/vehicle_0001/c1_000.jpg
    OUT/vehicle_0001/c3_001.jpg
    OUT/vehicle_0002/...

``folder_to_filelist.py`` turns it into mmsona ``ReIDFileList`` lists.

Example::

    python projects/vehicle_reid/tools/make_synthetic_vehicles.py \\
        data/synthetic_vehicles --num-ids 240 --seed 0
"""
import argparse
import itertools
import os
import os.path as osp
from dataclasses import dataclass
from typing import List, Optional, Tuple

import cv2
import numpy as np

HEIGHT, WIDTH = 64, 128
PALETTE = [(200, 30, 30), (30, 60, 200), (235, 235, 235), (25, 25, 25),
           (150, 150, 155), (30, 140, 50), (240, 200, 20), (240, 120, 20),
           (110, 30, 130), (120, 70, 30), (100, 190, 220), (200, 90, 150)]
BODY_TYPES = ('sedan', 'hatchback', 'van', 'pickup')
ROOFS = (None, 'rack', 'lightbar')
RIMS = ((190, 190, 190), (30, 30, 30), (200, 160, 40))
STICKER_SPOTS = (None, 'front', 'rear')


@dataclass(frozen=True)
class Vehicle:
    """What makes a synthetic vehicle recognisable.

    Args:
        body (int): Index of the body colour in :data:`PALETTE`.
        body_type (str): One of :data:`BODY_TYPES`.
        stripe (int, optional): Palette index of a side stripe, or None.
        roof (str, optional): ``'rack'``, ``'lightbar'`` or None.
        rim (int): Index of the rim colour in :data:`RIMS`.
        sticker (str, optional): ``'front'`` or ``'rear'`` door sticker.
    """

    body: int
    body_type: str
    stripe: Optional[int]
    roof: Optional[str]
    rim: int
    sticker: Optional[str]


def sample_vehicles(num: int, rng: np.random.Generator) -> List[Vehicle]:
    """Draw ``num`` vehicles with pairwise different attributes.

    Args:
        num (int): Number of identities.
        rng (np.random.Generator): Random generator.

    Returns:
        list[Vehicle]: The identities.
    """
    stripes = [None] + list(range(len(PALETTE)))
    space = [
        Vehicle(b, t, s, r, m, k) for b, t, s, r, m, k in itertools.product(
            range(len(PALETTE)), BODY_TYPES, stripes, ROOFS, range(len(RIMS)),
            STICKER_SPOTS) if s != b
    ]
    if num > len(space):
        raise ValueError(f'At most {len(space)} distinct vehicles.')
    return [space[i] for i in rng.choice(len(space), num, replace=False)]


def _cabin(body_type: str, x0: int, x1: int, y_top: int,
           y_roof: int) -> np.ndarray:
    """Polygon of the cabin above the body, facing right."""
    w = x1 - x0
    if body_type == 'van':
        pts = [(x0, y_top), (x0, y_roof), (x1 - w // 6, y_roof),
               (x1 - w // 20, y_top)]
    elif body_type == 'pickup':
        pts = [(x0 + w // 2, y_top), (x0 + w // 2, y_roof),
               (x1 - w // 5, y_roof), (x1 - w // 12, y_top)]
    elif body_type == 'hatchback':
        pts = [(x0 + w // 12, y_top), (x0 + w // 8, y_roof),
               (x1 - w // 3, y_roof), (x1 - w // 6, y_top)]
    else:
        pts = [(x0 + w // 5, y_top), (x0 + w // 3, y_roof),
               (x1 - w // 3, y_roof), (x1 - w // 5, y_top)]
    return np.array(pts, np.int32)


def draw_vehicle(vehicle: Vehicle, canvas: np.ndarray, x0: int, x1: int,
                 y_ground: int) -> None:
    """Draw ``vehicle`` facing right on ``canvas`` (RGB, in place).

    Args:
        vehicle (Vehicle): The identity.
        canvas (np.ndarray): H x W x 3 uint8 image.
        x0 (int): Left end of the body.
        x1 (int): Right end of the body.
        y_ground (int): Row where the wheels touch the ground.
    """
    w = x1 - x0
    wheel_r = max(3, w // 10)
    body_bottom = y_ground - wheel_r
    body_top = body_bottom - max(6, w // 6)
    roof = body_top - max(5, w // 7)
    body = PALETTE[vehicle.body]
    cv2.fillPoly(canvas, [_cabin(vehicle.body_type, x0, x1, body_top, roof)],
                 body)
    window = _cabin(vehicle.body_type, x0, x1, body_top, roof)
    centre = window.mean(0, keepdims=True)
    window = ((window - centre) * 0.75 + centre).astype(np.int32)
    cv2.fillPoly(canvas, [window], (60, 80, 100))
    cv2.rectangle(canvas, (x0, body_top), (x1, body_bottom), body, -1)
    if vehicle.stripe is not None:
        y = (body_top + body_bottom) // 2
        cv2.rectangle(canvas, (x0, y - 1), (x1, y + 1),
                      PALETTE[vehicle.stripe], -1)
    if vehicle.sticker is not None:
        cx = x0 + (w * 2 // 3 if vehicle.sticker == 'front' else w // 3)
        cv2.circle(canvas, (cx, body_top + 3), 2, (250, 250, 250), -1)
    if vehicle.roof == 'rack':
        cv2.rectangle(canvas, (x0 + w // 3, roof - 2), (x1 - w // 3, roof),
                      (40, 40, 40), -1)
    elif vehicle.roof == 'lightbar':
        cv2.rectangle(canvas, (x0 + w // 2 - 4, roof - 3),
                      (x0 + w // 2 + 4, roof), (230, 40, 40), -1)
    cv2.rectangle(canvas, (x1 - 3, body_top + 1), (x1, body_top + 4),
                  (250, 240, 180), -1)
    for cx in (x0 + w // 5, x1 - w // 5):
        cv2.circle(canvas, (cx, y_ground - wheel_r), wheel_r, (15, 15, 15), -1)
        cv2.circle(canvas, (cx, y_ground - wheel_r), max(1, wheel_r // 2),
                   RIMS[vehicle.rim], -1)


@dataclass(frozen=True)
class Camera:
    """A simulated camera.

    Args:
        facing_right (bool): Whether vehicles are seen facing right.
        cast (tuple[float, float, float]): Per-channel colour gain.
        brightness (float): Global gain.
        blur (int): Gaussian blur kernel size (odd; 1 = none).
        background (tuple[int, int, int]): Road colour.
    """

    facing_right: bool
    cast: Tuple[float, float, float]
    brightness: float
    blur: int
    background: Tuple[int, int, int]


def sample_cameras(num: int, rng: np.random.Generator) -> List[Camera]:
    """Draw ``num`` cameras with different looks.

    Args:
        num (int): Number of cameras.
        rng (np.random.Generator): Random generator.

    Returns:
        list[Camera]: The cameras.
    """
    cameras = []
    for i in range(num):
        cameras.append(
            Camera(
                facing_right=bool(i % 2),
                cast=tuple(float(v) for v in rng.uniform(0.8, 1.2, 3)),
                brightness=float(rng.uniform(0.7, 1.2)),
                blur=int(rng.choice([1, 3, 3, 5])),
                background=tuple(int(v) for v in rng.integers(70, 160, 3))))
    return cameras


def render(vehicle: Vehicle, camera: Camera,
           rng: np.random.Generator) -> np.ndarray:
    """One view of ``vehicle`` through ``camera``.

    Args:
        vehicle (Vehicle): The identity.
        camera (Camera): The camera.
        rng (np.random.Generator): Random generator for the view.

    Returns:
        np.ndarray: HEIGHT x WIDTH x 3 uint8 image, BGR (for cv2.imwrite).
    """
    img = np.empty((HEIGHT, WIDTH, 3), np.uint8)
    img[:] = camera.background
    for _ in range(rng.integers(1, 4)):
        x, y = int(rng.integers(0, WIDTH)), int(rng.integers(0, HEIGHT // 2))
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        cv2.rectangle(img, (x, y), (x + int(rng.integers(4, 20)),
                                    y + int(rng.integers(4, 12))), colour, -1)
    length = int(WIDTH * rng.uniform(0.65, 0.9))
    x0 = int(rng.integers(2, WIDTH - length - 1))
    y_ground = int(HEIGHT - rng.integers(2, 8))
    draw_vehicle(vehicle, img, x0, x0 + length, y_ground)
    if not camera.facing_right:
        img = np.ascontiguousarray(img[:, ::-1])
    if rng.random() < 0.3:
        x = int(rng.integers(0, WIDTH - 6))
        cv2.rectangle(img, (x, 0), (x + int(rng.integers(3, 8)), HEIGHT),
                      (90, 90, 90), -1)
    out = img.astype(np.float32) * np.array(camera.cast) * camera.brightness
    out += rng.normal(0, 4, out.shape)
    out = np.clip(out, 0, 255).astype(np.uint8)
    if camera.blur > 1:
        out = cv2.GaussianBlur(out, (camera.blur, camera.blur), 0)
    return cv2.cvtColor(out, cv2.COLOR_RGB2BGR)


def make_synthetic_vehicles(out: str,
                            num_ids: int = 240,
                            num_cameras: int = 6,
                            cameras_per_id: Tuple[int, int] = (2, 4),
                            images_per_camera: Tuple[int, int] = (2, 3),
                            seed: int = 0) -> int:
    """Write the folder-per-identity data set.

    Args:
        out (str): Output folder; must not exist or be empty.
        num_ids (int): Number of vehicles. Defaults to 240.
        num_cameras (int): Number of cameras (at most 9). Defaults to 6.
        cameras_per_id (tuple[int, int]): Inclusive range of the cameras
            that see one vehicle. Defaults to (2, 4).
        images_per_camera (tuple[int, int]): Inclusive range of the images
            of one vehicle in one camera. Defaults to (2, 3).
        seed (int): Seed; the same seed gives the same files.

    Returns:
        int: Number of images written.
    """
    if osp.isdir(out) and os.listdir(out):
        raise FileExistsError(f'{out!r} is not empty; choose another folder.')
    if not 2 <= cameras_per_id[0] <= cameras_per_id[1] <= num_cameras <= 9:
        raise ValueError('Need 2 <= cameras_per_id <= num_cameras <= 9.')
    rng = np.random.default_rng(seed)
    vehicles = sample_vehicles(num_ids, rng)
    cameras = sample_cameras(num_cameras, rng)
    count = 0
    for vid, vehicle in enumerate(vehicles, 1):
        folder = osp.join(out, f'vehicle_{vid:04d}')
        os.makedirs(folder)
        n_cams = int(rng.integers(cameras_per_id[0], cameras_per_id[1] + 1))
        cams = sorted(rng.choice(num_cameras, n_cams, replace=False))
        index = 0
        for cam in cams:
            n_img = int(
                rng.integers(images_per_camera[0], images_per_camera[1] + 1))
            for _ in range(n_img):
                img = render(vehicle, cameras[cam], rng)
                cv2.imwrite(
                    osp.join(folder, f'c{cam + 1}_{index:03d}.jpg'), img)
                index += 1
                count += 1
    return count


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(
        description='Render a synthetic vehicle re-ID data set, one folder '
        'per vehicle.')
    parser.add_argument('out', help='output folder')
    parser.add_argument('--num-ids', type=int, default=240)
    parser.add_argument('--num-cameras', type=int, default=6)
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


def main(argv=None) -> None:
    """Render from the command line."""
    args = parse_args(argv)
    count = make_synthetic_vehicles(
        args.out, args.num_ids, args.num_cameras, seed=args.seed)
    print(f'{count} images of {args.num_ids} vehicles in {args.out}')


if __name__ == '__main__':
    main()
