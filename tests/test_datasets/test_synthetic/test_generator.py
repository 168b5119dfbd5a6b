"""The synthetic benchmark's generator: layout and file names,
determinism, regeneration, and the identities of the hard difficulty."""
import dataclasses
import json
import os
import os.path as osp
import re

import cv2
import numpy as np
import pytest

from mmsona.datasets.synthetic import (MARKER_FILE, SyntheticPreset,
                                       generate_synthetic_reid,
                                       is_synthetic_complete, plan_benchmark,
                                       sample_identities)
from mmsona.datasets.synthetic import writer as writer_module

NAME = re.compile(r'^(-1|\d{4})_c(\d)s(\d)_(\d{6})_(\d{2})\.jpg$')
SMALL = SyntheticPreset(
    num_train_ids=4,
    num_test_ids=4,
    num_cameras=3,
    cameras_per_id=(2, 2),
    images_per_id=(4, 5),
    max_queries_per_id=2,
    num_junk=2,
    num_distractors=3)


def _read_tree(root):
    files = {}
    for folder in ('bounding_box_train', 'query', 'bounding_box_test'):
        for name in sorted(os.listdir(osp.join(root, folder))):
            with open(osp.join(root, folder, name), 'rb') as f:
                files[f'{folder}/{name}'] = f.read()
    return files


@pytest.fixture(scope='module')
def tiny_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('synthetic') / 'tiny')
    return generate_synthetic_reid(root, 'tiny', seed=0, show_progress=False)


@pytest.mark.slow
def test_tiny_layout_and_names(tiny_root):
    tree = _read_tree(tiny_root)
    marker = json.load(open(osp.join(tiny_root, MARKER_FILE)))
    assert marker['complete'] and marker['counts']['total'] == len(tree)
    pids = {
        k: set()
        for k in ('bounding_box_train', 'query', 'bounding_box_test')
    }
    query_pidcams = set()
    gallery_pidcams = set()
    for path, data in tree.items():
        folder, name = path.split('/')
        match = NAME.match(name)
        assert match, name
        pid, cam = int(match.group(1)), int(match.group(2))
        assert 1 <= cam <= 4
        pids[folder].add(pid)
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        assert image.shape == (128, 64, 3)
        if folder == 'query':
            query_pidcams.add((pid, cam))
        elif folder == 'bounding_box_test':
            gallery_pidcams.add((pid, cam))
    assert len(pids['bounding_box_train']) == 12
    assert -1 not in pids['bounding_box_train'] | pids['query']
    assert {-1, 0} <= pids['bounding_box_test']
    assert pids['query'] == pids['bounding_box_test'] - {-1, 0}
    assert len(pids['query']) == 10
    assert not pids['bounding_box_train'] & pids['query']
    # Every query has a gallery match in another camera.
    for pid, cam in query_pidcams:
        assert any(p == pid and c != cam for p, c in gallery_pidcams)


@pytest.mark.slow
def test_generation_is_deterministic_and_worker_independent(
        tmp_path, monkeypatch):
    one = generate_synthetic_reid(
        str(tmp_path / 'a'), SMALL, seed=3, num_workers=1, show_progress=False)
    monkeypatch.setattr(writer_module, 'MIN_IMAGES_FOR_WORKERS', 0)
    monkeypatch.setattr(writer_module, 'CHUNK_SIZE', 7)
    two = generate_synthetic_reid(
        str(tmp_path / 'b'), SMALL, seed=3, num_workers=2, show_progress=False)
    assert _read_tree(one) == _read_tree(two)
    other = generate_synthetic_reid(
        str(tmp_path / 'c'), SMALL, seed=4, show_progress=False)
    assert _read_tree(one) != _read_tree(other)


def test_incomplete_or_different_folder_is_regenerated(tmp_path):
    root = str(tmp_path / 'syn')
    generate_synthetic_reid(root, SMALL, seed=0, show_progress=False)
    reference = _read_tree(root)
    assert is_synthetic_complete(root, SMALL, 0, 'normal')
    assert not is_synthetic_complete(root, SMALL, 1, 'normal')
    assert not is_synthetic_complete(root, 'tiny', 0, 'normal')

    # Simulate an interrupted run: a file lost, marker says incomplete.
    victim = sorted(reference)[0]
    os.remove(osp.join(root, victim))
    marker_path = osp.join(root, MARKER_FILE)
    marker = json.load(open(marker_path))
    marker['complete'] = False
    json.dump(marker, open(marker_path, 'w'))
    assert not is_synthetic_complete(root, SMALL, 0, 'normal')
    generate_synthetic_reid(root, SMALL, seed=0, show_progress=False)
    assert _read_tree(root) == reference

    # A complete folder is reused as is (no rewrite).
    mtime = os.stat(osp.join(root, victim)).st_mtime_ns
    generate_synthetic_reid(root, SMALL, seed=0, show_progress=False)
    assert os.stat(osp.join(root, victim)).st_mtime_ns == mtime


def test_refuses_to_overwrite_foreign_folder(tmp_path):
    (tmp_path / 'bounding_box_train').mkdir()
    (tmp_path / 'bounding_box_train' /
     '0001_c1s1_000001_01.jpg').write_bytes(b'x')
    with pytest.raises(FileExistsError, match='not a synthetic benchmark'):
        generate_synthetic_reid(str(tmp_path), SMALL, show_progress=False)
    assert (tmp_path / 'bounding_box_train' /
            '0001_c1s1_000001_01.jpg').read_bytes() == b'x'


@pytest.mark.parametrize('num', [4, 6, 7, 9, 10, 13, 40])
def test_hard_identities_share_every_attribute(num):
    rng = np.random.default_rng(num)
    identities = sample_identities(rng, num, 'hard')
    assert len(identities) == num
    assert len(set(identities)) == num
    fields = [f.name for f in dataclasses.fields(identities[0])]
    for i, attrs in enumerate(identities):
        for field in fields:
            value = getattr(attrs, field)
            assert any(
                getattr(other, field) == value
                for j, other in enumerate(identities) if j != i), (i, field)
        # Another identity differs from this one in a single part only.
        diffs = [
            sum(getattr(attrs, f) != getattr(other, f) for f in fields)
            for j, other in enumerate(identities) if j != i
        ]
        assert min(diffs) == 1


def test_hard_plan_keeps_groups_within_a_split():
    plan = plan_benchmark(SMALL, seed=0, difficulty='hard')
    train = plan.identities[:SMALL.num_train_ids]
    test = plan.identities[SMALL.num_train_ids:]
    # Each split is one 2 x 2 group: four identities, one shared base.
    for group in (train, test):
        assert len(set(group)) == 4
        diffs = [
            sum(
                getattr(a, f.name) != getattr(b, f.name)
                for f in dataclasses.fields(a)) for a in group for b in group
        ]
        assert max(diffs) <= 2


def test_bad_difficulty_and_size():
    with pytest.raises(ValueError, match='difficulty'):
        generate_synthetic_reid('/nonexistent/x', 'tiny', difficulty='easy')
    with pytest.raises(ValueError, match='Unknown synthetic size'):
        generate_synthetic_reid('/nonexistent/x', 'huge')
    with pytest.raises(ValueError, match='cameras_per_id'):
        dataclasses.replace(SMALL, cameras_per_id=(1, 2))


@pytest.mark.parametrize('num', [4, 12, 14, 15, 17])
def test_identity_groups_match_the_hard_identities(num):
    from dataclasses import asdict

    from mmsona.datasets.synthetic import identity_groups
    identities = sample_identities(np.random.default_rng(num), num, 'hard')
    groups = identity_groups(num, 'hard')
    assert len(groups) == num and min(np.bincount(groups)) >= 4
    parts = {'hat', 'hair', 'shoes', 'lower', 'lower_style'}
    for group in set(groups):
        members = [asdict(a) for a, g in zip(identities, groups) if g == group]
        # Members differ in the two distinguishing parts only.
        for key in members[0].keys() - parts:
            assert len({str(m[key]) for m in members}) == 1, key
        assert len({str(sorted(m.items())) for m in members}) == len(members)
    assert identity_groups(5, 'normal') == [0, 1, 2, 3, 4]
