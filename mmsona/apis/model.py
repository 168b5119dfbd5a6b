"""Building a trained (or freshly initialised) model from a config."""
import copy
import logging
import os
import os.path as osp
from typing import Optional, Union

import torch
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.registry import DefaultScope
from torch import nn

from mmsona.registry import MODELS
from mmsona.utils import load_checkpoint_to_model, register_all_modules

__all__ = ['get_model', 'load_model_config']

ConfigType = Union[str, os.PathLike, Config]


def load_model_config(config: ConfigType,
                      cfg_options: Optional[dict] = None) -> Config:
    """A config from a file or a Config, with overrides merged.

    Args:
        config (str | PathLike | Config): Config file or object; an object
            is copied, never changed.
        cfg_options (dict, optional): Overrides (``--cfg-options`` keys)
            merged into the config. Defaults to None.

    Returns:
        Config: The config.
    """
    if isinstance(config, (str, os.PathLike)):
        if not osp.isfile(config):
            raise FileNotFoundError(
                f'Config file {str(config)!r} does not exist.')
        config = Config.fromfile(config)
    elif isinstance(config, Config):
        config = copy.deepcopy(config)
    else:
        raise TypeError('config must be a file path or an mmengine '
                        f'Config, got {type(config).__name__}.')
    if cfg_options:
        config.merge_from_dict(cfg_options)
    return config


def _init_weights_quietly(model: nn.Module) -> None:
    """``model.init_weights()`` without MMEngine's line per parameter."""
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        model.init_weights()
    finally:
        logger.setLevel(level)


def get_model(config: ConfigType,
              checkpoint: Optional[str] = None,
              device: Union[str, torch.device] = 'cpu',
              cfg_options: Optional[dict] = None,
              trust_checkpoint: bool = False) -> nn.Module:
    """Build the model of a config, load a checkpoint, switch to eval.

    The shape of MMPretrain's ``get_model`` for mmsona: the model is built
    in the ``mmsona`` scope, and the checkpoint is read with
    ``torch.load(..., weights_only=True)``, which runs no code (a file
    holding other Python objects is refused with
    :class:`~mmsona.utils.UntrustedCheckpointError` unless trusted).

    Example:
        >>> model = get_model('configs/sona/sona_r18_synthetic.py',
        ...                   'epoch_12.pth')
        >>> feats = model(torch.rand(2, 3, 128, 64))  # test features

    Args:
        config (str | PathLike | Config): Config file or object (copied,
            never changed).
        checkpoint (str, optional): Checkpoint to load; None initialises
            the weights as for training (ImageNet weights of the backbone
            when its ``init_cfg`` says so). Defaults to None.
        device (str | torch.device): Device of the model. Defaults to
            'cpu'.
        cfg_options (dict, optional): Overrides merged into the config.
            Defaults to None.
        trust_checkpoint (bool): Unpickle ``checkpoint`` fully when it holds
            more than tensors and plain data (with a warning). This can run
            any code inside the file: only for files whose origin you trust.
            Defaults to False.

    Returns:
        nn.Module: The model in eval mode on ``device``.
    """
    cfg = load_model_config(config, cfg_options)
    register_all_modules(init_default_scope=False)
    with DefaultScope.overwrite_default_scope('mmsona'):
        model = MODELS.build(cfg.model)
    if checkpoint is not None:
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(
                f'Checkpoint {checkpoint!r} does not exist. Train a '
                'model first (tools/train.py) or check the path.')
        load_checkpoint_to_model(
            model, checkpoint, map_location='cpu', trust=trust_checkpoint)
    else:
        _init_weights_quietly(model)
    return model.to(device).eval()
