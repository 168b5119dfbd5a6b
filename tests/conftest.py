"""Shared pytest set-up: mmsona registered, small thread pool."""
import os
import sys

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


@pytest.fixture(autouse=True, scope='session')
def _mmsona_scope():
    """Register every mmsona module and make ``mmsona`` the default scope."""
    register_all_modules(init_default_scope=True)
    yield


DEMO_CONFIG = 'configs/sona/sona_r18_synthetic.py'


def tiny_demo_cfg(work_dir: str, data_root: str, max_epochs: int = 1):
    """The demo config shrunk to the tiny synthetic benchmark.

    Args:
        work_dir (str): Run folder.
        data_root (str): Where the tiny benchmark is (generated if missing).
        max_epochs (int): Training epochs (3 iterations each).

    Returns:
        mmengine.Config: A config that trains and validates in seconds.
    """
    import os.path as osp

    from mmengine.config import Config
    root = osp.dirname(osp.dirname(osp.abspath(__file__)))
    cfg = Config.fromfile(osp.join(root, DEMO_CONFIG))
    cfg.work_dir = work_dir
    cfg.model.head.num_classes = 12
    cfg.model.head.global_dim = 32
    cfg.model.head.local_dim = 64
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
def make_tiny_demo_cfg():
    """:func:`tiny_demo_cfg` as a fixture, for test modules."""
    return tiny_demo_cfg


# Plain helper modules of the suite (tests/tool_helpers.py) are importable.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
