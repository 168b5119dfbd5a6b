"""Identity attributes of synthetic pedestrians: clothes and accessories.

An identity is what a person wears and carries. ``difficulty='hard'`` builds
identities in small groups that share every attribute but two of distant
body parts (say, the hat and the shoes), laid out as a 2 x 2 design: each
value of each part occurs in two identities of the group, so no single part
tells the identities apart, only the combination of both parts does.

``difficulty='relational'`` (the relational probe) builds groups of three
identities that share every attribute; the colours of three parts of about
equal area at the top, middle and bottom of the body (hat, belt, shoes) are
redrawn for every image from the group's palette, two of them always
equal. The member of the group is *which* two are equal (see
:data:`RELATIONS`): every part alone has the same colour distribution for
each member, and so has the image's colour histogram (one colour on two
parts, another on the third), so only comparing distant positions tells
the members apart. Test groups wear what training groups wear
(:func:`relational_test_identities`), so the group is easy to recognise and
telling the members apart is what the probe measures.
"""
from dataclasses import dataclass, replace
from typing import List, Sequence, Tuple

import numpy as np

__all__ = [
    'PALETTE', 'SKIN_TONES', 'TEXTURES', 'IdentityAttributes',
    'sample_identity', 'sample_identities', 'identity_groups',
    'HARD_PART_PAIRS', 'DIFFICULTIES', 'RELATIONS', 'RELATIONAL_PARTS',
    'draw_relational_parts', 'check_difficulty', 'relational_test_identities'
]

DIFFICULTIES: Tuple[str, ...] = ('normal', 'hard', 'relational')

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
# The parts whose colours carry the relation of the relational probe, top to
# bottom, and the relations (pairs of equal parts) of a group's members.
RELATIONAL_PARTS: Tuple[str, ...] = ('hat', 'belt', 'shoes')
RELATIONS: Tuple[Tuple[str, str], ...] = (
    ('hat', 'shoes'),
    ('hat', 'belt'),
    ('belt', 'shoes'),
)
RELATIONAL_PALETTE_SIZE = 3


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
        belt (int): Belt colour, -1 for no belt. Defaults to -1.
        relation (int): Relational probe only: index into
            :data:`RELATIONS` of the two parts that share a colour in every
            image, -1 otherwise. Defaults to -1.
        relation_palette (tuple[int]): Relational probe only: the colours
            the relational parts are drawn from in each image. Defaults to
            ().
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
    belt: int = -1
    relation: int = -1
    relation_palette: Tuple[int, ...] = ()


def check_difficulty(difficulty: str) -> str:
    """Return ``difficulty`` if it is one of :data:`DIFFICULTIES`.

    Args:
        difficulty (str): The requested difficulty.

    Returns:
        str: ``difficulty``.

    Raises:
        ValueError: It is not a known difficulty.
    """
    if difficulty not in DIFFICULTIES:
        raise ValueError(f'difficulty must be one of {DIFFICULTIES}, got '
                         f'{difficulty!r}')
    return difficulty


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


def _relational_group_sizes(num: int) -> List[int]:
    """Split ``num`` identities into groups of 3, with groups of 2 for a
    remainder (one member per relation of :data:`RELATIONS`)."""
    size = len(RELATIONS)
    if num <= size:
        return [num]
    threes, rest = divmod(num, size)
    if rest == 0:
        return [size] * threes
    if rest == 2:
        return [size] * threes + [2]
    return [size] * (threes - 1) + [2, 2]


def _relational_group(rng: np.random.Generator,
                      size: int) -> List[IdentityAttributes]:
    """Identities equal in every attribute; member ``k`` wears the
    colours of the parts of ``RELATIONS[k]`` equal in every image."""
    base = sample_identity(rng)
    # Every member wears a hat, so all three relational parts are seen; a
    # relational part must not blend into its neighbours (the hat into the
    # hair, the belt into the upper garment or the trousers, the shoes into
    # the trousers).
    avoid = {base.hair, base.upper, base.lower}
    palette = tuple(
        int(c)
        for c in rng.choice([c for c in DISTINCT_COLOURS if c not in avoid],
                            RELATIONAL_PALETTE_SIZE,
                            replace=False))
    base = replace(
        base,
        hat=palette[0],
        belt=palette[1],
        shoes=palette[2],
        relation_palette=palette)
    return [replace(base, relation=k) for k in range(size)]


def relational_test_identities(train: Sequence[IdentityAttributes],
                               num: int) -> List[IdentityAttributes]:
    """Test identities of the relational probe.

    Test group ``k`` wears exactly what training group ``k`` wears, its
    relational palette included, and its members have the relations of the
    training members: recognising the group needs no generalisation to
    unseen clothes, so the probe measures whether a model learns to tell
    the members apart, which only the relation between distant parts can
    do (their colours are redrawn in every image).

    Args:
        train (Sequence[IdentityAttributes]): The training identities
            (groups adjacent, as :func:`sample_identities` returns them).
        num (int): Number of test identities; their groups must not
            outnumber the training groups.

    Returns:
        list[IdentityAttributes]: The test identities, groups adjacent.
    """
    groups: List[List[IdentityAttributes]] = []
    for attrs in train:
        if attrs.relation == 0:
            groups.append([])
        groups[-1].append(attrs)
    sizes = _relational_group_sizes(num)
    if len(sizes) > len(groups) or any(size > len(group)
                                       for size, group in zip(sizes, groups)):
        raise ValueError(
            f'The relational probe needs a training group for every test '
            f'group: {num} test identities make groups of {sizes}, the '
            f'{len(train)} training identities groups of '
            f'{[len(g) for g in groups]}.')
    return [m for size, group in zip(sizes, groups) for m in group[:size]]


def draw_relational_parts(attrs: IdentityAttributes,
                          rng: np.random.Generator) -> IdentityAttributes:
    """Draw the colours of the relational parts for one image.

    Two different colours of the identity's palette are drawn uniformly; the
    two parts of its relation get the first, the third part the second.
    Identities outside the relational probe are returned unchanged and no
    randomness is used.

    Args:
        attrs (IdentityAttributes): The identity.
        rng (numpy.random.Generator): Source of randomness of this image.

    Returns:
        IdentityAttributes: ``attrs`` with this image's hat, belt and shoe
        colours.
    """
    if attrs.relation < 0:
        return attrs
    shared, single = (
        int(c) for c in rng.choice(attrs.relation_palette, 2, replace=False))
    pair = RELATIONS[attrs.relation]
    colours = {
        part: shared if part in pair else single
        for part in RELATIONAL_PARTS
    }
    return replace(attrs, **colours)


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
            parts; ``'relational'`` draws groups of 3 (2 to absorb a
            remainder) that differ only in which two distant parts share a
            colour (see the module doc).

    Returns:
        list[IdentityAttributes]: The identities, groups kept adjacent.
    """
    if check_difficulty(difficulty) == 'normal':
        return [sample_identity(rng) for _ in range(num)]
    identities: List[IdentityAttributes] = []
    if difficulty == 'relational':
        for size in _relational_group_sizes(num):
            identities.extend(_relational_group(rng, size))
        return identities
    for size in _group_sizes(num):
        identities.extend(_hard_group(rng, size))
    return identities


def identity_groups(num: int, difficulty: str = 'normal') -> List[int]:
    """Group index of each of ``num`` identities from
    :func:`sample_identities`.

    Args:
        num (int): Number of identities drawn.
        difficulty (str): ``'normal'`` (every identity its own group),
            ``'hard'`` (the groups told apart only by a combination of two
            parts) or ``'relational'`` (only by a relation between parts).

    Returns:
        list[int]: Group of identity ``i`` at position ``i``.
    """
    if check_difficulty(difficulty) == 'normal':
        return list(range(num))
    sizes = (
        _relational_group_sizes(num)
        if difficulty == 'relational' else _group_sizes(num))
    return [group for group, size in enumerate(sizes) for _ in range(size)]
