"""MMSona registries: children of MMPretrain's, in the ``mmsona`` scope.

Every component of mmsona registers here. Because each registry's parent is
the MMPretrain (and through it the MMEngine) registry of the same kind, configs
written for mmsona can use MMPretrain components (``ResNet``,
``LabelSmoothLoss``, ``ClsDataPreprocessor`` ...) without a scope prefix, and
other OpenMMLab projects can reach mmsona's with ``type='mmsona.X'``.
"""
from mmengine.registry import Registry
from mmpretrain.registry import DATA_SAMPLERS as MMPRETRAIN_DATA_SAMPLERS
from mmpretrain.registry import DATASETS as MMPRETRAIN_DATASETS
from mmpretrain.registry import HOOKS as MMPRETRAIN_HOOKS
from mmpretrain.registry import LOOPS as MMPRETRAIN_LOOPS
from mmpretrain.registry import METRICS as MMPRETRAIN_METRICS
from mmpretrain.registry import MODEL_WRAPPERS as MMPRETRAIN_MODEL_WRAPPERS
from mmpretrain.registry import MODELS as MMPRETRAIN_MODELS
from mmpretrain.registry import OPTIM_WRAPPERS as MMPRETRAIN_OPTIM_WRAPPERS
from mmpretrain.registry import \
    PARAM_SCHEDULERS as MMPRETRAIN_PARAM_SCHEDULERS
from mmpretrain.registry import TRANSFORMS as MMPRETRAIN_TRANSFORMS
from mmpretrain.registry import VISBACKENDS as MMPRETRAIN_VISBACKENDS
from mmpretrain.registry import VISUALIZERS as MMPRETRAIN_VISUALIZERS

__all__ = [
    'MODELS', 'DATASETS', 'DATA_SAMPLERS', 'TRANSFORMS', 'METRICS', 'HOOKS',
    'LOOPS', 'VISUALIZERS', 'VISBACKENDS', 'MODEL_WRAPPERS', 'OPTIM_WRAPPERS',
    'PARAM_SCHEDULERS'
]

MODELS = Registry(
    'model', parent=MMPRETRAIN_MODELS, scope='mmsona',
    locations=['mmsona.models'])
MODEL_WRAPPERS = Registry(
    'model_wrapper', parent=MMPRETRAIN_MODEL_WRAPPERS, scope='mmsona',
    locations=['mmsona.models'])
DATASETS = Registry(
    'dataset', parent=MMPRETRAIN_DATASETS, scope='mmsona',
    locations=['mmsona.datasets'])
DATA_SAMPLERS = Registry(
    'data sampler', parent=MMPRETRAIN_DATA_SAMPLERS, scope='mmsona',
    locations=['mmsona.datasets.samplers'])
TRANSFORMS = Registry(
    'transform', parent=MMPRETRAIN_TRANSFORMS, scope='mmsona',
    locations=['mmsona.datasets.transforms'])
METRICS = Registry(
    'metric', parent=MMPRETRAIN_METRICS, scope='mmsona',
    locations=['mmsona.evaluation'])
HOOKS = Registry(
    'hook', parent=MMPRETRAIN_HOOKS, scope='mmsona',
    locations=['mmsona.engine'])
LOOPS = Registry(
    'loop', parent=MMPRETRAIN_LOOPS, scope='mmsona',
    locations=['mmsona.engine'])
OPTIM_WRAPPERS = Registry(
    'optim_wrapper', parent=MMPRETRAIN_OPTIM_WRAPPERS, scope='mmsona',
    locations=['mmsona.engine'])
PARAM_SCHEDULERS = Registry(
    'parameter scheduler', parent=MMPRETRAIN_PARAM_SCHEDULERS, scope='mmsona',
    locations=['mmsona.engine'])
VISUALIZERS = Registry(
    'visualizer', parent=MMPRETRAIN_VISUALIZERS, scope='mmsona',
    locations=['mmsona.visualization'])
VISBACKENDS = Registry(
    'vis_backend', parent=MMPRETRAIN_VISBACKENDS, scope='mmsona',
    locations=['mmsona.visualization'])
