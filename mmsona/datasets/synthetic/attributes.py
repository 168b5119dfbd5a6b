"""Identity attributes of synthetic pedestrians: clothes and accessories.

An identity is what a person wears and carries. ``difficulty='hard'`` builds
identities in small groups that share every attribute but two of distant
body parts (say, the hat and the shoes), laid out as a 2 x 2 design: each
value of each part occurs in two identities of the group, so no single part
tells the identities apart, only the combination of both parts does.
"""
from dataclasses import dataclass, replace
from typing import List, Sequence, Tuple

import numpy as np

__all__ = [
    'PALETTE', 'SKIN_TONES', 'TEXTURES', 'IdentityAttributes',
    'sample_identity', 'sample_identities', 'identity_groups',
    'HARD_PART_PAIRS'
]

# BGR clothing colours, ordered so that neighbours are not near-duplicates.
PALETTE: Tuple[Tuple[int, int, int], ...] = (
    (32, 32, 32),  # black
    (235, 235, 235),  # white
    (128, 128, 128),  # grey
    (40, 40, 205),  # red
    (40, 135, 245),  # orange
    (45, 215, 230),  # yellow
    (60, 165, 55),  # green
    (35, 85, 30),  # dark green
    (225, 185, 85),  # light blue
    (185, 85, 30),  # blue
    (95, 35, 20),  # navy
    (150, 50, 130),  # purple
    (185, 140, 245),  # pink
    (35, 70, 125),  # brown
    (150, 195, 215),  # beige
    (45, 30, 120),  # maroon
)
# Colours that stay apart under the simulated colour casts; the parts that
# tell hard-mode identities apart use only these.
DISTINCT_COLOURS: Tuple[int, ...] = (0, 1, 3, 5, 6, 9, 11, 4)
HAIR_COLOURS: Tuple[int, ...] = (0, 13, 2, 14, 5)
SKIN_TONES: Tuple[Tuple[int, int, int], ...] = (
    (160, 190, 235),
    (120, 160, 210),
    (90, 125, 175),
    (60, 85, 125),
)
TEXTURES: Tuple[str, ...] = ('plain', 'hstripes', 'vstripes', 'checks', 'logo',
                             'two_tone')
LOWER_STYLES: Tuple[str, ...] = ('trousers', 'shorts', 'skirt')
BAG_STYLES: Tuple[str, ...] = ('none', 'backpack', 'handbag', 'shoulder')
HAT_STYLES: Tuple[str, ...] = ('cap', 'beanie')
# Pairs of distant parts whose combination identifies hard-mode identities.
HARD_PART_PAIRS: Tuple[Tuple[str, str], ...] = (
    ('hat', 'shoes'),
    ('hat', 'lower'),
    ('hair', 'shoes'),
)


@dataclass(frozen=True)
class IdentityAttributes:
    """What one synthetic person looks like.

    Colours are indices into :data:`PALETTE`; ``-1`` means absent.

    Args:
        skin (int): Index into :data:`SKIN_TONES`.
        hair (int): Hair colour.
        long_hair (bool): Hair down to the shoulders.
        hat (int): Hat colour, -1 for no hat.
        hat_style (str): ``'cap'`` or ``'beanie'``.
        upper (int): Main colour of the upper garment.
        upper_secondary (int): Second colour of its texture.
        texture (str): One of :data:`TEXTURES`.
        long_sleeves (bool): Sleeves down to the wrists.
        coat (bool): Upper garment reaching below the hips.
        lower (int): Colour of trousers, shorts or skirt.
        lower_style (str): One of :data:`LOWER_STYLES`.
        shoes (int): Shoe colour.
        bag (str): One of :data:`BAG_STYLES`.
        bag_colour (int): Bag colour (-1 without a bag).
        bag_side (int): +1 carried on the person's right, -1 on the left.
        height (float): Relative body height.
        build (float): Relative body width.
    """

    skin: int
    hair: int
    long_hair: bool
    hat: int
    hat_style: str
    upper: int
    upper_secondary: int
    texture: str
    long_sleeves: bool
    coat: bool
    lower: int
    lower_style: str
    shoes: int
    bag: str
    bag_colour: int
    bag_side: int
    height: float
    build: float


def _other_colour(
    rng: np.random.Generator,
    avoid: Sequence[int],
    choices: Sequence[int] = tuple(range(len(PALETTE)))
) -> int:
    pool = [c for c in choices if c not in avoid]
    return int(rng.choice(pool))


def sample_identity(rng: np.random.Generator) -> IdentityAttributes:
    """Draw one identity with independent attributes.

    Args:
        rng (numpy.random.Generator): Source of randomness.

    Returns:
        IdentityAttributes: The identity.
    """
    num_colours = len(PALETTE)
    upper = int(rng.integers(num_colours))
    lower = _other_colour(rng, [upper])
    bag = str(rng.choice(BAG_STYLES, p=[0.4, 0.25, 0.2, 0.15]))
    has_hat = rng.random() < 0.35
    return IdentityAttributes(
        skin=int(rng.integers(len(SKIN_TONES))),
        hair=int(rng.choice(HAIR_COLOURS)),
        long_hair=bool(rng.random() < 0.35),
        hat=int(rng.integers(num_colours)) if has_hat else -1,
        hat_style=str(rng.choice(HAT_STYLES)),
        upper=upper,
        upper_secondary=_other_colour(rng, [upper]),
        texture=str(rng.choice(TEXTURES)),
        long_sleeves=bool(rng.random() < 0.5),
        coat=bool(rng.random() < 0.2),
        lower=lower,
        lower_style=str(rng.choice(LOWER_STYLES, p=[0.6, 0.25, 0.15])),
        shoes=int(rng.integers(num_colours)),
        bag=bag,
        bag_colour=-1 if bag == 'none' else int(rng.integers(num_colours)),
        bag_side=int(rng.choice([-1, 1])),
        height=float(rng.uniform(0.9, 1.05)),
        build=float(rng.uniform(0.9, 1.12)),
    )


# Cells (row = value of the first part, column = value of the second part)
# of the hard-mode group layouts. In each layout every row and every column
# holds at least two cells, so each part value is shared by two identities.
_GROUP_LAYOUTS = {
    4: ((0, 0), (0, 1), (1, 0), (1, 1)),
    6: ((0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)),
    7: ((0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (2, 1), (2, 2)),
    9: tuple((r, c) for r in range(3) for c in range(3)),
}


def _group_sizes(num: int) -> List[int]:
    """Split ``num`` identities into groups with a layout in
    ``_GROUP_LAYOUTS`` (possible for every ``num`` >= 4 except 5)."""
    fours, rest = divmod(num, 4)
    if num < 4 or num == 5:
        return [num]
    if rest == 0:
        return [4] * fours
    if rest == 2:
        return [4] * (fours - 1) + [6]
    if rest == 3:
        return [4] * (fours - 1) + [7]
    return [4] * (fours - 2) + [9]


def _group_cells(size: int) -> Tuple[Tuple[int, int], ...]:
    if size in _GROUP_LAYOUTS:
        return _GROUP_LAYOUTS[size]
    return _GROUP_LAYOUTS[6][:size]


def _set_part(attrs: IdentityAttributes, part: str,
              colour: int) -> IdentityAttributes:
    if part == 'hat':
        return replace(attrs, hat=colour)
    if part == 'hair':
        return replace(attrs, hair=colour, hat=-1)
    if part == 'shoes':
        return replace(attrs, shoes=colour)
    if part == 'lower':
        return replace(attrs, lower=colour)
    raise ValueError(f'Unknown part {part!r}')


def _hard_group(rng: np.random.Generator,
                size: int) -> List[IdentityAttributes]:
    """Identities equal but for the combination of two distant parts."""
    base = sample_identity(rng)
    part_a, part_b = HARD_PART_PAIRS[int(rng.integers(len(HARD_PART_PAIRS)))]
    cells = _group_cells(size)
    num_a = 1 + max(r for r, _ in cells)
    num_b = 1 + max(c for _, c in cells)
    # A part must not blend into its neighbour: a hat into the hair, shoes
    # into trousers, trousers into the upper garment or the shoes.
    if part_a == 'hair':
        choices_a = HAIR_COLOURS
    else:
        choices_a = [c for c in DISTINCT_COLOURS if c != base.hair]
    values_a = rng.choice(choices_a, num_a, replace=False)
    avoid = {'shoes': [base.lower], 'lower': [base.upper, base.shoes]}[part_b]
    values_b = rng.choice([c for c in DISTINCT_COLOURS if c not in avoid],
                          num_b,
                          replace=False)
    if part_b == 'lower' and base.lower_style == 'skirt':
        base = replace(base, lower_style='trousers')
    group = []
    for row, col in cells:
        attrs = _set_part(base, part_a, int(values_a[row]))
        group.append(_set_part(attrs, part_b, int(values_b[col])))
    return group


def sample_identities(rng: np.random.Generator,
                      num: int,
                      difficulty: str = 'normal') -> List[IdentityAttributes]:
    """Draw ``num`` identities.

    Args:
        rng (numpy.random.Generator): Source of randomness.
        num (int): Number of identities.
        difficulty (str): ``'normal'`` draws every identity independently;
            ``'hard'`` draws groups of 4 (6, 7 or 9 to absorb a remainder)
            identities that differ only in the combination of two distant
            parts (see the module doc).

    Returns:
        list[IdentityAttributes]: The identities, groups kept adjacent.
    """
    if difficulty == 'normal':
        return [sample_identity(rng) for _ in range(num)]
    if difficulty != 'hard':
        raise ValueError(f"difficulty must be 'normal' or 'hard', "
                         f'got {difficulty!r}')
    identities: List[IdentityAttributes] = []
    for size in _group_sizes(num):
        identities.extend(_hard_group(rng, size))
    return identities


def identity_groups(num: int, difficulty: str = 'normal') -> List[int]:
    """Group index of each of ``num`` identities from
    :func:`sample_identities`.

    Args:
        num (int): Number of identities drawn.
        difficulty (str): ``'normal'`` (every identity its own group) or
            ``'hard'`` (the groups told apart only by a combination of two
            parts).

    Returns:
        list[int]: Group of identity ``i`` at position ``i``.
    """
    if difficulty == 'normal':
        return list(range(num))
    if difficulty != 'hard':
        raise ValueError(f"difficulty must be 'normal' or 'hard', "
                         f'got {difficulty!r}')
    sizes = _group_sizes(num)
    return [group for group, size in enumerate(sizes) for _ in range(size)]
