import os.path as osp

import cv2
import numpy as np
import pytest

MARKET_TREE = {
    'bounding_box_train': [
        '0002_c1s1_000451_03.jpg', '0002_c2s1_000551_01.jpg',
        '0007_c1s1_000100_01.jpg', '0007_c3s2_000200_01.jpg',
        '0010_c6s1_000300_02.jpg', '-1_c1s1_000001_01.jpg', 'Thumbs.db'
    ],
    'query': [
        '0001_c2s1_000301_00.jpg', '0001_c1s1_001051_00.jpg',
        '0003_c4s1_000001_00.jpg'
    ],
    'bounding_box_test': [
        '0001_c1s1_000001_01.jpg', '0001_c3s1_000001_01.jpg',
        '0003_c5s1_000001_01.jpg', '0000_c1s1_000002_01.jpg',
        '0000_c2s1_000003_01.jpg', '-1_c1s1_000004_01.jpg',
        '-1_c4s1_000005_01.jpg'
    ],
}


def write_image(path, seed=0, size=(16, 8)):
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 256, (*size, 3), dtype=np.uint8)
    cv2.imwrite(str(path), img)


def build_tree(root, tree, seed=0):
    """Write a folder tree of small images; non-image names get text."""
    for folder, names in tree.items():
        (root / folder).mkdir(parents=True, exist_ok=True)
        for i, name in enumerate(names):
            path = root / folder / name
            if osp.splitext(name)[1].lower() in ('.jpg', '.png'):
                write_image(path, seed + i)
            else:
                path.write_text('not an image')
    return str(root)


@pytest.fixture
def market_root(tmp_path):
    return build_tree(tmp_path / 'market', MARKET_TREE)


@pytest.fixture
def tree_builder():
    """``build_tree(root, tree)`` writing small images (see above)."""
    return build_tree


@pytest.fixture
def market_tree():
    """A copy of the fake Market1501 tree (folder -> file names)."""
    return {k: list(v) for k, v in MARKET_TREE.items()}
