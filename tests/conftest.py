"""Shared pytest set-up: mmsona registered, small thread pool, the tiny demo
config, the tiny synthetic benchmark, a fake Market1501 tree and random re-ID
ids."""
import os
import os.path as osp
import sys

import cv2
import numpy as np
import pytest
import torch

from mmsona.utils import register_all_modules

torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _one_thread():
    """Run every test with one torch thread, whatever an earlier test set.

    Two spinning OpenMP threads on a shared 2-core machine are far slower.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def _deterministic_algorithms_restored():
    """Undo ``torch.use_deterministic_algorithms`` after a test.

    A Runner built in the test process with ``randomness.deterministic``
    sets it for the whole process.
    """
    enabled = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    yield
    torch.use_deterministic_algorithms(enabled, warn_only=warn_only)


@pytest.fixture(autouse=True, scope='session')
def _mmsona_scope():
    """Register every mmsona module and make ``mmsona`` the default scope."""
    register_all_modules(init_default_scope=True)
    yield


DEMO_CONFIG = 'configs/sona/sona_r18_synthetic.py'


def tiny_demo_cfg(work_dir: str, data_root: str, max_epochs: int = 1):
    """The demo config with the tiny model, on the tiny synthetic benchmark.

    Args:
        work_dir (str): Run folder.
        data_root (str): Where the tiny benchmark is (generated if missing).
        max_epochs (int): Training epochs (3 iterations each).

    Returns:
        mmengine.Config: A config that trains and validates in seconds.
    """
    from mmengine.config import Config
    root = osp.dirname(osp.dirname(osp.abspath(__file__)))
    cfg = Config.fromfile(osp.join(root, DEMO_CONFIG))
    from tool_helpers import TINY_MODEL
    cfg.work_dir = work_dir
    cfg.merge_from_dict(dict(model=TINY_MODEL))
    for loader in (cfg.train_dataloader, cfg.val_dataloader):
        loader.num_workers = 0
        loader.persistent_workers = False
        loader.dataset.data_root = data_root
        loader.dataset.size = 'tiny'
        loader.dataset.num_workers = 1
    cfg.train_dataloader.batch_size = 16
    cfg.test_dataloader = cfg.val_dataloader
    cfg.train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=1)
    cfg.param_scheduler = [
        dict(type='MultiStepLR', milestones=[100], by_epoch=True)
    ]
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.interval = 1
    cfg.randomness = dict(seed=0, deterministic=True)
    return cfg


@pytest.fixture(scope='session')
def tiny_synthetic_root(tmp_path_factory) -> str:
    """The tiny synthetic benchmark (seed 0), generated once per test run.

    Tests only read it; a test that changes files, or needs another seed or
    difficulty, makes its own.
    """
    from mmsona.datasets.synthetic import generate_synthetic_reid
    root = str(tmp_path_factory.mktemp('tiny_synthetic') / 'data')
    generate_synthetic_reid(
        root, size='tiny', seed=0, num_workers=1, show_progress=False)
    return root


@pytest.fixture(scope='session')
def make_tiny_demo_cfg():
    """:func:`tiny_demo_cfg` as a fixture, for test modules."""
    return tiny_demo_cfg


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


def random_ids(rng, num_q, num_g, num_ids=5, num_cams=3):
    """Ids with junk (-1) and distractors (0) in the gallery."""
    q_pids = rng.integers(1, num_ids + 1, num_q)
    g_pids = rng.integers(-1, num_ids + 1, num_g)
    q_camids = rng.integers(0, num_cams, num_q)
    g_camids = rng.integers(0, num_cams, num_g)
    return q_pids, g_pids, q_camids, g_camids


@pytest.fixture
def make_ids():
    """:func:`random_ids`."""
    return random_ids


# Plain helper modules of the suite (tests/tool_helpers.py) are importable.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
