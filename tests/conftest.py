"""Shared pytest set-up: mmsona registered, small thread pool."""
import pytest
import torch

from mmsona.utils import register_all_modules

torch.set_num_threads(2)


@pytest.fixture(autouse=True, scope='session')
def _mmsona_scope():
    """Register every mmsona module and make ``mmsona`` the default scope."""
    register_all_modules(init_default_scope=True)
    yield
