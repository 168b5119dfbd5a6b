"""MMSona registries: children of MMPretrain's, in the ``mmsona`` scope.

Every component of mmsona registers here. Because each registry's parent is
the MMPretrain (and through it the MMEngine) registry of the same kind, configs
written for mmsona can use MMPretrain components (``ResNet``,
``LabelSmoothLoss``, ``ClsDataPreprocessor`` ...) without a scope prefix, and
other OpenMMLab projects can reach mmsona's with ``type='mmsona.X'``.

Two additions make the ``mmsona`` scope known to MMEngine from any project
(see :func:`_make_reachable_from_root` and ``docs/registry.md``):

- every registry is also listed among its root's children, so
  ``type='mmsona.X'`` resolves from registries that are direct children of
  MMEngine's (mmdet, mmseg, mmpose ... style projects), not only from
  MMPretrain's;
- ``mmsona`` is added to MMEngine's ``MODULE2PACKAGE`` table and its
  ``.mim`` folder is found for editable installs too, so a config parsed
  after this module is imported may inherit
  ``_base_ = 'mmsona::sona/sona_r50_market.py'`` (see
  :func:`_mmsona_installed_path`).
"""
import functools
import os.path as osp
import warnings
from typing import Callable

import mmengine.config.config as mmengine_config
from mmengine.config.utils import MODULE2PACKAGE
from mmengine.registry import Registry
from mmpretrain.registry import BATCH_AUGMENTS as MMPRETRAIN_BATCH_AUGMENTS
from mmpretrain.registry import DATA_SAMPLERS as MMPRETRAIN_DATA_SAMPLERS
from mmpretrain.registry import DATASETS as MMPRETRAIN_DATASETS
from mmpretrain.registry import EVALUATORS as MMPRETRAIN_EVALUATORS
from mmpretrain.registry import HOOKS as MMPRETRAIN_HOOKS
from mmpretrain.registry import LOG_PROCESSORS as MMPRETRAIN_LOG_PROCESSORS
from mmpretrain.registry import LOOPS as MMPRETRAIN_LOOPS
from mmpretrain.registry import METRICS as MMPRETRAIN_METRICS
from mmpretrain.registry import MODEL_WRAPPERS as MMPRETRAIN_MODEL_WRAPPERS
from mmpretrain.registry import MODELS as MMPRETRAIN_MODELS
from mmpretrain.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMPRETRAIN_OPTIM_WRAPPER_CONSTRUCTORS
from mmpretrain.registry import OPTIM_WRAPPERS as MMPRETRAIN_OPTIM_WRAPPERS
from mmpretrain.registry import OPTIMIZERS as MMPRETRAIN_OPTIMIZERS
from mmpretrain.registry import PARAM_SCHEDULERS as MMPRETRAIN_PARAM_SCHEDULERS
from mmpretrain.registry import \
    RUNNER_CONSTRUCTORS as MMPRETRAIN_RUNNER_CONSTRUCTORS
from mmpretrain.registry import RUNNERS as MMPRETRAIN_RUNNERS
from mmpretrain.registry import TASK_UTILS as MMPRETRAIN_TASK_UTILS
from mmpretrain.registry import TRANSFORMS as MMPRETRAIN_TRANSFORMS
from mmpretrain.registry import VISBACKENDS as MMPRETRAIN_VISBACKENDS
from mmpretrain.registry import VISUALIZERS as MMPRETRAIN_VISUALIZERS
from mmpretrain.registry import \
    WEIGHT_INITIALIZERS as MMPRETRAIN_WEIGHT_INITIALIZERS

__all__ = [
    'MODELS', 'DATASETS', 'DATA_SAMPLERS', 'TRANSFORMS', 'METRICS', 'HOOKS',
    'LOOPS', 'VISUALIZERS', 'VISBACKENDS', 'MODEL_WRAPPERS', 'OPTIM_WRAPPERS',
    'PARAM_SCHEDULERS', 'OPTIMIZERS', 'OPTIM_WRAPPER_CONSTRUCTORS', 'RUNNERS',
    'RUNNER_CONSTRUCTORS', 'EVALUATORS', 'LOG_PROCESSORS', 'TASK_UTILS',
    'WEIGHT_INITIALIZERS', 'BATCH_AUGMENTS'
]

MODELS = Registry(
    'model',
    parent=MMPRETRAIN_MODELS,
    scope='mmsona',
    locations=['mmsona.models'])
MODEL_WRAPPERS = Registry(
    'model_wrapper',
    parent=MMPRETRAIN_MODEL_WRAPPERS,
    scope='mmsona',
    locations=['mmsona.models'])
DATASETS = Registry(
    'dataset',
    parent=MMPRETRAIN_DATASETS,
    scope='mmsona',
    locations=['mmsona.datasets'])
DATA_SAMPLERS = Registry(
    'data sampler',
    parent=MMPRETRAIN_DATA_SAMPLERS,
    scope='mmsona',
    locations=['mmsona.datasets.samplers'])
TRANSFORMS = Registry(
    'transform',
    parent=MMPRETRAIN_TRANSFORMS,
    scope='mmsona',
    locations=['mmsona.datasets.transforms'])
METRICS = Registry(
    'metric',
    parent=MMPRETRAIN_METRICS,
    scope='mmsona',
    locations=['mmsona.evaluation'])
HOOKS = Registry(
    'hook',
    parent=MMPRETRAIN_HOOKS,
    scope='mmsona',
    locations=['mmsona.engine'])
LOOPS = Registry(
    'loop',
    parent=MMPRETRAIN_LOOPS,
    scope='mmsona',
    locations=['mmsona.engine'])
OPTIM_WRAPPERS = Registry(
    'optim_wrapper',
    parent=MMPRETRAIN_OPTIM_WRAPPERS,
    scope='mmsona',
    locations=['mmsona.engine'])
PARAM_SCHEDULERS = Registry(
    'parameter scheduler',
    parent=MMPRETRAIN_PARAM_SCHEDULERS,
    scope='mmsona',
    locations=['mmsona.engine'])
VISUALIZERS = Registry(
    'visualizer',
    parent=MMPRETRAIN_VISUALIZERS,
    scope='mmsona',
    locations=['mmsona.visualization'])
VISBACKENDS = Registry(
    'vis_backend',
    parent=MMPRETRAIN_VISBACKENDS,
    scope='mmsona',
    locations=['mmsona.visualization'])
OPTIMIZERS = Registry(
    'optimizer',
    parent=MMPRETRAIN_OPTIMIZERS,
    scope='mmsona',
    locations=['mmsona.engine'])
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer wrapper constructor',
    parent=MMPRETRAIN_OPTIM_WRAPPER_CONSTRUCTORS,
    scope='mmsona',
    locations=['mmsona.engine'])
RUNNERS = Registry(
    'runner',
    parent=MMPRETRAIN_RUNNERS,
    scope='mmsona',
    locations=['mmsona.engine'])
RUNNER_CONSTRUCTORS = Registry(
    'runner constructor',
    parent=MMPRETRAIN_RUNNER_CONSTRUCTORS,
    scope='mmsona',
    locations=['mmsona.engine'])
EVALUATORS = Registry(
    'evaluator',
    parent=MMPRETRAIN_EVALUATORS,
    scope='mmsona',
    locations=['mmsona.evaluation'])
LOG_PROCESSORS = Registry(
    'log_processor',
    parent=MMPRETRAIN_LOG_PROCESSORS,
    scope='mmsona',
    locations=['mmsona.engine'])
TASK_UTILS = Registry(
    'task util',
    parent=MMPRETRAIN_TASK_UTILS,
    scope='mmsona',
    locations=['mmsona.models'])
WEIGHT_INITIALIZERS = Registry(
    'weight initializer',
    parent=MMPRETRAIN_WEIGHT_INITIALIZERS,
    scope='mmsona',
    locations=['mmsona.models'])
BATCH_AUGMENTS = Registry(
    'batch augment',
    parent=MMPRETRAIN_BATCH_AUGMENTS,
    scope='mmsona',
    locations=['mmsona.models'])


def _make_reachable_from_root(registry: Registry) -> None:
    """List ``registry`` among its root's children too, by scope name.

    MMEngine 0.10's ``Registry.get('mmsona.X')``, called on a registry of
    another scope, looks in that registry's own children and then only in
    the root's *direct* children. mmsona's registries are grandchildren of
    the root (MMEngine -> MMPretrain -> mmsona), so from a project whose
    registries hang directly off MMEngine's, ``type='mmsona.X'`` failed with
    ``KeyError: 'mmsona.X is not in the <scope>::model registry'``.

    The registry keeps MMPretrain's registry as its ``parent`` (unprefixed
    MMPretrain names still resolve from mmsona configs); the root only gains
    a second reference to the same object under the key ``'mmsona'``.
    MMEngine's depth-first ``_search_child`` (used to switch to a
    ``default_scope`` or ``_scope_``) finds that same object either way, and
    the walks over ``children`` (``is_model_wrapper``,
    ``traverse_registry_tree``) at most visit it twice. Nothing is changed if
    another registry already holds the scope name at the root.

    Args:
        registry (Registry): An mmsona registry.
    """
    children = registry.root.children
    holder = children.setdefault(registry.scope, registry)
    if holder is not registry:
        warnings.warn(
            f'The root "{registry.root.name}" registry already has a child '
            f'with scope "{registry.scope}"; type="{registry.scope}.X" may '
            'then not find mmsona\'s modules from other projects.')


for _name in __all__:
    _make_reachable_from_root(globals()[_name])
del _name


def _mmsona_installed_path(get_installed_path: Callable) -> Callable:
    """Wrap MMEngine's ``get_installed_path`` to locate mmsona's sources.

    MMEngine looks for ``mmsona::<path>`` under
    ``<distribution location>/mmsona/.mim/configs``. For a PEP 660 editable
    install (``pip install -e .``) that folder does not exist: the
    distribution's metadata is in ``site-packages`` but the package stays
    in the source tree. mmsona's answer is therefore the folder of the
    imported package itself, for wheels and editable installs alike; other
    packages are passed to MMEngine's function unchanged.

    Args:
        get_installed_path (Callable): MMEngine's function.

    Returns:
        Callable: The wrapped function.
    """

    @functools.wraps(get_installed_path)
    def wrapper(package: str) -> str:
        if package == 'mmsona':
            return osp.dirname(osp.abspath(__file__))
        return get_installed_path(package)

    wrapper.mmsona_wrapped = True
    return wrapper


# ``_base_ = 'mmsona::...'`` is accepted by MMEngine only for the packages
# listed in MODULE2PACKAGE (module name -> pip package name).
MODULE2PACKAGE.setdefault('mmsona', 'mmsona')
if not getattr(mmengine_config.get_installed_path, 'mmsona_wrapped', False):
    mmengine_config.get_installed_path = _mmsona_installed_path(
        mmengine_config.get_installed_path)
