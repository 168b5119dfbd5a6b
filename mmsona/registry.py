"""MMSona registries: children of MMPretrain's, in the ``mmsona`` scope.

Every component of mmsona registers here. Because each registry's parent is
the MMPretrain (and through it the MMEngine) registry of the same kind, configs
written for mmsona can use MMPretrain components (``ResNet``,
``LabelSmoothLoss``, ``ClsDataPreprocessor`` ...) without a scope prefix, and
other OpenMMLab projects can reach mmsona's with ``type='mmsona.X'``.

Two additions, made when :mod:`mmsona` is imported, make the ``mmsona``
scope known to MMEngine from any project (both in
:mod:`mmsona.utils.mmengine_compat`; see ``docs/registry.md``):

- every registry is also listed among its root's children, so
  ``type='mmsona.X'`` resolves from registries that are direct children of
  MMEngine's (mmdet, mmseg, mmpose ... style projects), not only from
  MMPretrain's;
- ``mmsona`` is added to MMEngine's ``MODULE2PACKAGE`` table and its
  ``.mim`` folder is found for editable installs too, so a config parsed
  after ``import mmsona`` may inherit
  ``_base_ = 'mmsona::sona/sona_r50_market.py'``.
"""
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
