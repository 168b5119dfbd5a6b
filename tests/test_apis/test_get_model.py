"""get_model: a config (file or object) and a checkpoint to an eval model."""
import argparse

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from tool_helpers import make_tiny_checkpoint  # noqa: I100

from mmsona.apis import FeatureExtractor, get_model
from mmsona.models import ReIDNet
from mmsona.utils import (TRUST_ENV, TrustedCheckpointWarning,
                          UntrustedCheckpointError)


@pytest.fixture(scope='module')
def tiny(tmp_path_factory, tiny_synthetic_root):
    root = tmp_path_factory.mktemp('get_model')
    config, ckpt, _ = make_tiny_checkpoint(str(root), tiny_synthetic_root)
    return root, config, ckpt


@pytest.mark.slow
def test_loads_the_checkpoint_in_eval_mode(tiny):
    _, config, ckpt = tiny
    model = get_model(config, ckpt)
    assert isinstance(model, ReIDNet) and not model.training
    saved = torch.load(ckpt, weights_only=True)['state_dict']
    assert saved.keys() == model.state_dict().keys()
    assert all(torch.equal(v, saved[k]) for k, v in model.state_dict().items())
    # The extractor holds the same model.
    extractor = FeatureExtractor(config, ckpt)
    x = torch.rand(2, 3, 64, 32)
    with torch.no_grad():
        assert torch.equal(model(x), extractor.model(x))


def test_config_object_is_copied_and_options_merged(tiny):
    _, config, _ = tiny
    cfg = Config.fromfile(config)
    model = get_model(cfg, cfg_options={'model.head.global_dim': 8})
    assert model.head.global_dim == 8
    assert cfg.model.head.global_dim == 16  # the caller's config is intact


def test_builds_in_the_mmsona_scope_under_another_default(tiny):
    _, config, _ = tiny
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = get_model(config)
        # The caller's default scope is left as it was.
        assert DefaultScope.get_current_instance().scope_name == 'mmpretrain'
    assert isinstance(model, ReIDNet)


def test_clear_errors(tiny, tmp_path):
    _, config, ckpt = tiny
    with pytest.raises(FileNotFoundError, match='nope.py'):
        get_model(str(tmp_path / 'nope.py'))
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        get_model(config, str(tmp_path / 'missing.pth'))
    with pytest.raises(TypeError, match='Config'):
        get_model(dict(model=dict(type='ReIDNet')))


def test_untrusted_checkpoint_needs_the_opt_in(tiny, tmp_path, monkeypatch):
    _, config, ckpt = tiny
    monkeypatch.delenv(TRUST_ENV, raising=False)
    checkpoint = torch.load(ckpt, weights_only=True)
    checkpoint['meta'] = dict(note=argparse.Namespace(text='an object'))
    path = str(tmp_path / 'objects.pth')
    torch.save(checkpoint, path)
    with pytest.raises(UntrustedCheckpointError, match='objects.pth'):
        get_model(config, path)
    with pytest.warns(TrustedCheckpointWarning, match='objects.pth'):
        model = get_model(config, path, trust_checkpoint=True)
    assert not model.training
