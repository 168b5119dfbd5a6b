"""Pure-Python configs (``mmsona/configs/``) equal their ``configs/`` twins.

Each file of ``mmsona/configs/`` mirrors the file of the same path under
``configs/`` and says so in its first line. Every setting must match, with
a class in the pure-Python config where the twin has a type string that the
registry resolves to that same class; the built models must have the same
modules, parameters and buffers.
"""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import FUNCTIONS, DefaultScope

from mmsona import registry
from mmsona.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PURE_DIR = osp.join(REPO, 'mmsona', 'configs', 'sona')
PURE_CONFIGS = sorted(
    osp.basename(p) for p in glob.glob(osp.join(PURE_DIR, '*.py')))
# Every mirror, bases included, by its path under mmsona/configs/.
PURE_ROOT = osp.dirname(PURE_DIR)
MIRRORS = sorted(
    osp.relpath(p, PURE_ROOT)
    for p in glob.glob(osp.join(PURE_ROOT, '**', '*.py'), recursive=True)
    if osp.basename(p) != '__init__.py')

# The innermost matching key of a ``type``'s path names its registry (hooks
# aside, whose keys are hook names such as ``param_scheduler``).
REGISTRY_BY_KEY = {
    'init_cfg': None,
    'pipeline': registry.TRANSFORMS,
    'sampler': registry.DATA_SAMPLERS,
    'collate_fn': FUNCTIONS,
    'dataset': registry.DATASETS,
    'dataset_type': registry.DATASETS,
    'synthetic': registry.DATASETS,
    'val_evaluator': registry.METRICS,
    'test_evaluator': registry.METRICS,
    'param_scheduler': registry.PARAM_SCHEDULERS,
    'optimizer': registry.OPTIMIZERS,
    'optim_wrapper': registry.OPTIM_WRAPPERS,
    'vis_backends': registry.VISBACKENDS,
    'visualizer': registry.VISUALIZERS,
    'model': registry.MODELS,
}


def registry_for(path: tuple):
    if path[0] in ('default_hooks', 'custom_hooks'):
        return registry.HOOKS
    for key in reversed(path):
        if isinstance(key, str) and key.endswith('pipeline'):
            key = 'pipeline'
        if key in REGISTRY_BY_KEY:
            return REGISTRY_BY_KEY[key]
    raise KeyError(f'no registry known for a type at {path}')


def assert_same_class(pure, twin: str, path: tuple) -> None:
    """``pure`` is the class the registry resolves ``twin`` to."""
    where = '.'.join(str(p) for p in path)
    reg = registry_for(path)
    if reg is None:
        assert pure == twin, f'{where}: {pure!r} != {twin!r}'
        return
    assert not isinstance(pure, str), f'{where}: {pure!r} is not a class'
    with DefaultScope.overwrite_default_scope('mmsona'):
        expected = reg.get(twin)
    assert expected is not None, f'{where}: {twin} is not registered'
    assert pure is expected, f'{where}: {pure} != {expected}'


def assert_same(pure, twin, path=()):
    """Recursively compare a pure-Python config value with its twin's."""
    where = '.'.join(str(p) for p in path) or '<root>'
    if isinstance(twin, dict):
        assert isinstance(pure, dict), where
        assert set(pure.keys()) == set(twin.keys()), where
        for key in twin:
            if key == 'type' and isinstance(twin[key], str):
                assert_same_class(pure[key], twin[key], path + (key, ))
            else:
                assert_same(pure[key], twin[key], path + (key, ))
    elif isinstance(twin, (list, tuple)):
        assert isinstance(pure, (list, tuple)), where
        assert len(pure) == len(twin), where
        for i, (a, b) in enumerate(zip(pure, twin)):
            assert_same(a, b, path + (i, ))
    elif isinstance(twin, str) and isinstance(pure, type):
        assert_same_class(pure, twin, path)
    else:
        assert pure == twin, f'{where}: {pure!r} != {twin!r}'


def load_pair(name: str) -> tuple:
    """A mirror and its twin, ``name`` relative to ``sona/`` or a path."""
    if osp.dirname(name) == '':
        name = osp.join('sona', name)
    pure = Config.fromfile(osp.join(PURE_ROOT, name))
    twin = Config.fromfile(osp.join(REPO, 'configs', name))
    return pure, twin


def test_full_model_and_baseline_exist():
    assert {'sona_r50_market.py', 'bfe_r50_market.py'} <= set(PURE_CONFIGS)
    assert osp.join('_base_', 'default_runtime.py') in MIRRORS


@pytest.mark.parametrize('name', MIRRORS)
def test_first_line_names_the_twin(name):
    twin = f'configs/{name}'.replace(osp.sep, '/')
    assert osp.isfile(osp.join(REPO, twin)), f'{name}: no {twin} to mirror'
    with open(osp.join(PURE_ROOT, name)) as f:
        first = f.readline().rstrip('\n')
    assert first == f'# Mirrors {twin} in pure Python.', name


@pytest.mark.slow
@pytest.mark.parametrize('name', MIRRORS)
def test_settings_equal_twin(name):
    pure, twin = load_pair(name)
    if 'model' in twin:
        assert not isinstance(pure.model.type, str)
    keys = set(pure.keys()) - set(pure._imported_names)
    assert keys == set(twin.keys())
    for key in sorted(keys):
        assert_same(pure[key], twin[key], (key, ))


@pytest.mark.slow
@pytest.mark.parametrize('name', PURE_CONFIGS)
def test_builds_same_model_as_twin(name):
    pure, twin = load_pair(name)
    models = []
    for cfg in (pure, twin):
        cfg.model.backbone.init_cfg = None
        models.append(MODELS.build(cfg.model))
    a, b = models
    assert [(n, type(m)) for n, m in a.named_modules()
            ] == [(n, type(m)) for n, m in b.named_modules()]
    assert [(n, p.shape) for n, p in a.state_dict().items()
            ] == [(n, p.shape) for n, p in b.state_dict().items()]
    assert repr(a) == repr(b)
    assert a.backbone.sona_stages == b.backbone.sona_stages
    assert a.head.dropblock.h_range == b.head.dropblock.h_range


def test_assert_same_catches_a_different_class():
    pure, twin = load_pair('sona_r50_market.py')
    pure.model.head.dropblock.h_range = (0.33, 0.33)
    with pytest.raises(AssertionError, match='h_range'):
        assert_same(pure.model, twin.model, ('model', ))
    pure, twin = load_pair('sona_r50_market.py')
    twin.train_pipeline[1]['type'] = 'RandomResize'
    with pytest.raises(AssertionError, match='train_pipeline.1.type'):
        assert_same(pure.train_pipeline, twin.train_pipeline,
                    ('train_pipeline', ))
