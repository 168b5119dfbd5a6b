"""Drawing of pedestrian-like figures with OpenCV primitives.

A figure is drawn into a BGR canvas from an :class:`IdentityAttributes`
and a :class:`Pose` (where it stands, how tall, the viewpoint and the walking
phase). Coordinates are fractions of the body height, from the top of the
head (0) to the soles (1).
"""
from dataclasses import dataclass
from typing import Dict, Optional, Tuple

import cv2
import numpy as np

from .attributes import PALETTE, SKIN_TONES, IdentityAttributes

__all__ = ['Pose', 'jitter_colours', 'draw_figure']

Colour = Tuple[int, int, int]
VIEWS = ('front', 'back', 'left', 'right')


@dataclass(frozen=True)
class Pose:
    """Where and how a figure is drawn.

    Args:
        cx (float): Horizontal centre in pixels.
        foot_y (float): Vertical position of the soles in pixels.
        height (float): Body height in pixels.
        view (str): ``'front'``, ``'back'``, ``'left'`` or ``'right'``.
        phase (float): Walking phase in radians (leg and arm swing).
    """

    cx: float
    foot_y: float
    height: float
    view: str
    phase: float


def jitter_colours(attrs: IdentityAttributes, rng: np.random.Generator,
                   amount: float) -> Dict[str, Colour]:
    """Resolve the attribute colours of one image, each slightly varied.

    Args:
        attrs (IdentityAttributes): The identity.
        rng (numpy.random.Generator): Source of randomness.
        amount (float): Maximum shift of each channel.

    Returns:
        dict: BGR colours keyed by part name; absent parts are missing.
    """
    parts = dict(
        hair=attrs.hair,
        hat=attrs.hat,
        upper=attrs.upper,
        upper_secondary=attrs.upper_secondary,
        lower=attrs.lower,
        shoes=attrs.shoes,
        bag=attrs.bag_colour,
        belt=attrs.belt)
    colours: Dict[str, Colour] = {}
    for name, index in parts.items():
        if index < 0:
            continue
        base = np.asarray(PALETTE[index], dtype=np.float64)
        shifted = base + rng.uniform(-amount, amount, 3)
        colours[name] = tuple(int(v) for v in np.clip(shifted, 0, 255))
    skin = np.asarray(SKIN_TONES[attrs.skin], np.float64)
    skin = skin + rng.uniform(-amount / 2, amount / 2, 3)
    colours['skin'] = tuple(int(v) for v in np.clip(skin, 0, 255))
    return colours


def _pt(x: float, y: float) -> Tuple[int, int]:
    return int(round(x)), int(round(y))


def _limb(canvas: np.ndarray, p0: Tuple[float, float], p1: Tuple[float, float],
          colour: Colour, thickness: float) -> None:
    cv2.line(canvas, _pt(*p0), _pt(*p1), colour, max(1, int(round(thickness))),
             cv2.LINE_8)


def _texture(canvas: np.ndarray, mask: np.ndarray, texture: str,
             colour: Colour, top: float, bottom: float, cx: float, unit: float,
             visible_logo: bool) -> None:
    """Paint a texture in ``colour`` over the ``mask`` region."""
    h, w = mask.shape
    ys = np.arange(h)[:, None]
    xs = np.arange(w)[None, :]
    period = max(4, int(round(0.06 * unit)))
    if texture == 'hstripes':
        pattern = ((ys - int(top)) // (period // 2)) % 2 == 1
    elif texture == 'vstripes':
        pattern = ((xs - int(cx)) // (period // 2)) % 2 == 1
    elif texture == 'checks':
        pattern = (((ys - int(top)) // period) +
                   ((xs - int(cx)) // period)) % 2 == 1
    elif texture == 'two_tone':
        pattern = ys > (top + bottom) / 2
    elif texture == 'logo' and visible_logo:
        centre_y = top + 0.3 * (bottom - top)
        radius = 0.045 * unit
        pattern = (ys - centre_y)**2 + (xs - cx)**2 <= radius**2
    else:
        return
    select = np.broadcast_to(pattern, mask.shape) & (mask > 0)
    canvas[select] = colour


def draw_figure(canvas: np.ndarray,
                attrs: IdentityAttributes,
                colours: Dict[str, Colour],
                pose: Pose,
                parts: Optional[Tuple[str, ...]] = None) -> None:
    """Draw a pedestrian into ``canvas`` in place.

    Args:
        canvas (np.ndarray): ``H x W x 3`` uint8 BGR image.
        attrs (IdentityAttributes): The identity.
        colours (dict): Colours from :func:`jitter_colours`.
        pose (Pose): Placement, viewpoint and walking phase.
        parts (tuple[str], optional): Draw only these of ``'head'``,
            ``'torso'``, ``'arms'``, ``'legs'`` (fragments of junk images).
            Defaults to all.
    """
    parts = parts or ('head', 'torso', 'arms', 'legs')
    unit = pose.height * attrs.height
    top = pose.foot_y - unit
    cx = pose.cx
    side = pose.view in ('left', 'right')
    # +1 when the figure's right hand is on the image's right.
    facing = {'front': -1, 'back': 1, 'left': 1, 'right': -1}[pose.view]
    half_w = (0.07 if side else 0.115) * unit * attrs.build
    hip_w = (0.06 if side else 0.085) * unit * attrs.build

    def y(frac: float) -> float:
        return top + frac * unit

    swing = np.sin(pose.phase)
    leg_dx = (0.12 if side else 0.025) * unit * swing
    arm_dx = (0.10 if side else 0.03) * unit * swing

    # A backpack seen from the front or side is partly behind the body.
    bag = colours.get('bag')
    if bag is not None and attrs.bag == 'backpack' and pose.view != 'back':
        bx = cx + (0.09 * unit if pose.view == 'left' else -0.09 *
                   unit if pose.view == 'right' else 0)
        bw = 0.09 * unit if side else half_w + 0.02 * unit
        cv2.rectangle(canvas, _pt(bx - bw, y(0.19)), _pt(bx + bw, y(0.47)),
                      bag, -1)

    if 'legs' in parts:
        leg_top = y(0.5)
        knee = y(0.73)
        ankle = y(0.95)
        thick = 0.075 * unit * attrs.build
        for sign in (-1, 1):
            hx = cx + sign * hip_w * 0.55
            ax = hx + sign * leg_dx + (0 if side else sign * 0.01 * unit)
            kx = (hx + ax) / 2
            if attrs.lower_style == 'trousers':
                _limb(canvas, (hx, leg_top), (ax, ankle), colours['lower'],
                      thick)
            else:
                _limb(canvas, (hx, leg_top), (ax, ankle), colours['skin'],
                      thick * 0.8)
                if attrs.lower_style == 'shorts':
                    _limb(canvas, (hx, leg_top), (kx, knee - 0.04 * unit),
                          colours['lower'], thick * 1.1)
            shoe_x = ax + (0.02 * unit * facing if side else 0)
            cv2.ellipse(
                canvas, _pt(shoe_x, y(0.975)),
                _pt(0.05 * unit if side else 0.04 * unit, 0.025 * unit), 0, 0,
                360, colours['shoes'], -1)
        if attrs.lower_style == 'skirt':
            pts = np.array([
                _pt(cx - hip_w, y(0.48)),
                _pt(cx + hip_w, y(0.48)),
                _pt(cx + hip_w * 1.6, y(0.72)),
                _pt(cx - hip_w * 1.6, y(0.72))
            ], np.int32)
            cv2.fillPoly(canvas, [pts], colours['lower'])
        else:
            cv2.rectangle(canvas, _pt(cx - hip_w, y(0.47)),
                          _pt(cx + hip_w, y(0.54)), colours['lower'], -1)

    if 'torso' in parts:
        bottom = 0.68 if attrs.coat else 0.52
        pts = np.array([
            _pt(cx - half_w, y(0.17)),
            _pt(cx + half_w, y(0.17)),
            _pt(cx + hip_w * (1.25 if attrs.coat else 1.05), y(bottom)),
            _pt(cx - hip_w * (1.25 if attrs.coat else 1.05), y(bottom))
        ], np.int32)
        mask = np.zeros(canvas.shape[:2], np.uint8)
        cv2.fillPoly(mask, [pts], 1)
        canvas[mask > 0] = colours['upper']
        _texture(canvas, mask, attrs.texture, colours['upper_secondary'],
                 y(0.17), y(bottom), cx, unit, pose.view == 'front')
        if bag is not None and attrs.bag == 'backpack':
            if pose.view == 'back':
                cv2.rectangle(canvas, _pt(cx - half_w * 0.8, y(0.2)),
                              _pt(cx + half_w * 0.8, y(0.46)), bag, -1)
            elif pose.view == 'front':
                for sign in (-1, 1):
                    _limb(canvas, (cx + sign * half_w * 0.55, y(0.17)),
                          (cx + sign * half_w * 0.6, y(0.34)), bag,
                          0.025 * unit)
        if bag is not None and attrs.bag == 'shoulder':
            sign = attrs.bag_side * facing
            _limb(canvas, (cx - sign * half_w * 0.7, y(0.17)),
                  (cx + sign * hip_w, y(0.46)), bag, 0.02 * unit)
        belt = colours.get('belt')
        if belt is not None:
            # About the area of the hat and of the two shoes.
            cv2.rectangle(canvas, _pt(cx - hip_w * 1.1, y(0.49)),
                          _pt(cx + hip_w * 1.1, y(0.535)), belt, -1)

    if 'arms' in parts:
        sleeve = colours['upper']
        thick = 0.055 * unit * attrs.build
        arm_signs = (facing, ) if side else (-1, 1)
        for sign in arm_signs:
            sx = cx + sign * (half_w - thick * 0.3)
            hand_x = (
                cx + sign * (half_w + 0.015 * unit) +
                (arm_dx * sign if not side else -arm_dx))
            elbow = ((sx + hand_x) / 2, y(0.34))
            hand = (hand_x, y(0.52))
            _limb(canvas, (sx, y(0.19)), elbow, sleeve, thick)
            _limb(canvas, elbow, hand,
                  sleeve if attrs.long_sleeves else colours['skin'],
                  thick * 0.9)
            cv2.circle(canvas, _pt(*hand), max(1, int(0.025 * unit)),
                       colours['skin'], -1)
        if bag is not None and attrs.bag in ('handbag', 'shoulder'):
            sign = attrs.bag_side * facing
            if side and sign != facing:
                sign = None
            if sign is not None:
                bx = cx + sign * (
                    hip_w + (0.07 if attrs.bag == 'handbag' else 0.02) * unit)
                by = y(0.52 if attrs.bag == 'handbag' else 0.42)
                cv2.rectangle(canvas, _pt(bx - 0.045 * unit, by),
                              _pt(bx + 0.045 * unit, by + 0.09 * unit), bag,
                              -1)

    if 'head' in parts:
        head_c = (cx + (0.01 * unit * facing if side else 0), y(0.075))
        axes = _pt(0.05 * unit, 0.066 * unit)
        neck_w = 0.035 * unit
        cv2.rectangle(canvas, _pt(cx - neck_w, y(0.12)),
                      _pt(cx + neck_w, y(0.18)), colours['skin'], -1)
        face = colours['hair'] if pose.view == 'back' else colours['skin']
        cv2.ellipse(canvas, _pt(*head_c), axes, 0, 0, 360, face, -1)
        if pose.view != 'back':
            cv2.ellipse(canvas, _pt(*head_c), axes, 0, 180, 360,
                        colours['hair'], -1)
        if attrs.long_hair:
            hw = 0.055 * unit
            x0 = head_c[0] - hw
            x1 = head_c[0] + hw
            if pose.view == 'back':
                cv2.rectangle(canvas, _pt(x0, y(0.07)), _pt(x1, y(0.22)),
                              colours['hair'], -1)
            elif not side:
                for x_edge in (x0, x1 - 0.025 * unit):
                    cv2.rectangle(canvas, _pt(x_edge, y(0.06)),
                                  _pt(x_edge + 0.025 * unit, y(0.2)),
                                  colours['hair'], -1)
        hat = colours.get('hat')
        if hat is not None:
            if attrs.hat_style == 'cap':
                cv2.ellipse(canvas, _pt(head_c[0], y(0.06)),
                            _pt(0.055 * unit, 0.05 * unit), 0, 180, 360, hat,
                            -1)
                brim_dir = 0 if pose.view in ('front', 'back') else facing
                bx0 = head_c[0] - 0.055 * unit + brim_dir * 0.04 * unit
                cv2.rectangle(canvas, _pt(bx0, y(0.055)),
                              _pt(bx0 + 0.11 * unit, y(0.07)), hat, -1)
            else:
                cv2.ellipse(canvas, _pt(head_c[0], y(0.065)),
                            _pt(0.058 * unit, 0.06 * unit), 0, 180, 360, hat,
                            -1)
                cv2.rectangle(canvas, _pt(head_c[0] - 0.058 * unit, y(0.05)),
                              _pt(head_c[0] + 0.058 * unit, y(0.075)), hat, -1)
