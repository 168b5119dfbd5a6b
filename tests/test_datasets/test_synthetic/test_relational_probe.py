"""The relational probe of the synthetic benchmark, and that adding it left
the other difficulties byte-identical."""
import hashlib
import os
import os.path as osp
from collections import Counter
from dataclasses import asdict

import numpy as np
import pytest

from mmsona.datasets.synthetic import (PART_LABELS, RELATIONAL_PARTS,
                                       RELATIONS, decode_relation,
                                       evaluation_lists,
                                       generate_synthetic_reid, get_preset,
                                       identity_groups, part_oracle_distances,
                                       plan_benchmark,
                                       render_person_with_parts,
                                       sample_identities)
from mmsona.datasets.synthetic.render import render_image

# The tiny benchmark, seed 0, as generated before the relational probe
# existed: sha256 of its file names (which carry identity and camera) and
# the mean B, G, R value of each folder's images. Pixel bytes themselves are
# not compared: the rendering's float arithmetic may differ in the last bit
# between CPUs (AVX2 against AVX-512), which moves single pixel values by one.
STORED_TREES = dict(
    normal=('4d07273894e7bd30ea5258b20dd1a7ec898adabe4840604bc95b6fb988b8f84d',
            dict(
                bounding_box_test=(95.040, 118.578, 107.468),
                bounding_box_train=(98.031, 117.608, 103.635),
                query=(101.250, 122.639, 110.842))),
    hard=('ca61eb6324c52ba69929da435b3d1b109c0386288d4e60ba91c8f27398eec50d',
          dict(
              bounding_box_test=(90.988, 121.566, 105.356),
              bounding_box_train=(99.094, 122.618, 101.651),
              query=(88.650, 129.062, 111.381))))
FOLDERS = ('bounding_box_test', 'bounding_box_train', 'query')


def _tree_hash(root):
    """sha256 over (relative path, bytes) of every image under ``root``."""
    digest = hashlib.sha256()
    for folder in FOLDERS:
        for name in sorted(os.listdir(osp.join(root, folder))):
            digest.update(f'{folder}/{name}'.encode())
            with open(osp.join(root, folder, name), 'rb') as f:
                digest.update(f.read())
    return digest.hexdigest()


def _names_and_means(root):
    """sha256 of the file names and the mean B, G, R of each folder."""
    import cv2
    names = hashlib.sha256()
    means = {}
    for folder in FOLDERS:
        files = sorted(os.listdir(osp.join(root, folder)))
        names.update('\n'.join(f'{folder}/{n}' for n in files).encode())
        means[folder] = np.mean([
            cv2.imread(osp.join(root, folder, n)).mean(axis=(0, 1))
            for n in files
        ],
                                axis=0)
    return names.hexdigest(), means


@pytest.mark.slow
@pytest.mark.parametrize('difficulty', ['normal', 'hard'])
def test_existing_difficulties_are_unchanged(tmp_path, difficulty):
    root = generate_synthetic_reid(
        str(tmp_path / difficulty),
        'tiny',
        seed=0,
        difficulty=difficulty,
        show_progress=False)
    names, means = _names_and_means(root)
    stored_names, stored_means = STORED_TREES[difficulty]
    assert names == stored_names
    for folder in FOLDERS:
        np.testing.assert_allclose(
            means[folder], stored_means[folder], atol=0.05, err_msg=folder)


@pytest.mark.slow
def test_relational_generation_is_byte_identical(tmp_path):
    roots = [
        generate_synthetic_reid(
            str(tmp_path / name),
            'tiny',
            seed=3,
            difficulty='relational',
            num_workers=workers,
            overwrite=True,
            show_progress=False) for name, workers in (('a', 1), ('b', 2))
    ]
    assert _tree_hash(roots[0]) == _tree_hash(roots[1])
    other = generate_synthetic_reid(
        str(tmp_path / 'c'),
        'tiny',
        seed=4,
        difficulty='relational',
        show_progress=False)
    assert _tree_hash(other) != _tree_hash(roots[0])


@pytest.mark.parametrize('num', [1, 2, 3, 4, 7, 8, 12])
def test_relational_groups(num):
    identities = sample_identities(
        np.random.default_rng(num), num, 'relational')
    groups = identity_groups(num, 'relational')
    assert len(identities) == len(groups) == num
    assert max(np.bincount(groups)) <= len(RELATIONS)
    for group in set(groups):
        members = [a for a, g in zip(identities, groups) if g == group]
        # Everything but the relation is shared within a group; each member
        # has its own relation.
        fields = [asdict(m) for m in members]
        for key in fields[0].keys() - {'relation'}:
            assert len({str(f[key]) for f in fields}) == 1, key
        assert [m.relation for m in members] == list(range(len(members)))
        palette = members[0].relation_palette
        assert len(set(palette)) == len(palette) == 3
        base = members[0]
        assert not {base.hair, base.upper, base.lower} & set(palette)


def test_each_part_alone_and_the_colour_counts_carry_no_relation():
    """Per member, every part's colour is uniform over the palette, and
    every image shows one colour on two parts and another on the third."""
    plan = plan_benchmark(get_preset('demo'), 0, 'relational')
    per_member = {k: Counter() for k in range(len(RELATIONS))}
    for spec in plan.images:
        attrs = plan.image_attributes(spec)
        if attrs is None:
            continue
        colours = [getattr(attrs, p) for p in RELATIONAL_PARTS]
        assert sorted(Counter(colours).values()) == [1, 2]
        assert decode_relation(attrs) == attrs.relation
        palette = attrs.relation_palette
        for part, colour in zip(RELATIONAL_PARTS, colours):
            per_member[attrs.relation][part, palette.index(colour)] += 1
    for counts in per_member.values():
        for part in RELATIONAL_PARTS:
            shares = np.array([counts[part, i] for i in range(3)])
            shares = shares / shares.sum()
            assert np.abs(shares - 1 / 3).max() < 0.05, (part, shares)


def test_decode_relation_naive():
    plan = plan_benchmark(get_preset('tiny'), 0, 'relational')
    attrs = plan.identities[0]
    for index, pair in enumerate(RELATIONS):
        colours = {p: (5 if p in pair else 9) for p in RELATIONAL_PARTS}
        assert decode_relation(
            attrs.__class__(**{
                **asdict(attrs),
                **colours
            })) == index
    assert decode_relation(None) == -1


def test_part_labels_match_the_rendered_image():
    plan = plan_benchmark(get_preset('tiny'), 0, 'relational')
    specs = [s for s in plan.images if s.kind == 'person'][:12]
    seen = Counter()
    for spec in specs:
        attrs = plan.image_attributes(spec)
        camera = plan.cameras[spec.camera]
        image, labels = render_person_with_parts(
            attrs, camera, np.random.default_rng([plan.seed, 2, spec.index]),
            128, 64)
        plain = render_image('person', attrs, camera,
                             np.random.default_rng([plan.seed, 2, spec.index]),
                             128, 64)
        np.testing.assert_array_equal(image, plain)
        assert labels.shape == (128, 64) and labels.dtype == np.uint8
        assert set(np.unique(labels)) <= {0, *PART_LABELS.values()}
        centres = []
        for part in RELATIONAL_PARTS:
            rows = np.nonzero((labels == PART_LABELS[part]).any(1))[0]
            seen[part] += int(len(rows) > 0)
            if len(rows):
                centres.append(rows.mean())
        # Hat, belt and shoes appear top to bottom.
        assert centres == sorted(centres)
    assert min(seen.values()) >= 8


def test_part_oracle_ranks_by_relation():
    plan = plan_benchmark(get_preset('tiny'), 0, 'relational')
    lists = evaluation_lists(plan)
    dist = part_oracle_distances(plan, lists)
    for i, q in enumerate(lists.query):
        for j, g in enumerate(lists.gallery):
            if g.identity < 0:
                expected = 2.0
            elif lists.q_groups[i] != lists.g_groups[j]:
                expected = 2.0
            else:
                expected = 0.0 if g.identity == q.identity else 1.0
            assert dist[i, j] == expected


def test_probe_cameras_share_one_imaging_chain():
    from dataclasses import replace
    cams = plan_benchmark(get_preset('tiny'), 0, 'relational').cameras
    assert [c.index for c in cams] == list(range(len(cams)))
    assert all(replace(c, index=0) == cams[0] for c in cams)
    hard = plan_benchmark(get_preset('tiny'), 0, 'hard').cameras
    assert len({c.gain for c in hard}) == len(hard)
