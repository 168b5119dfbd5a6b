"""Load MMEngine checkpoints on PyTorch >= 2.6.

PyTorch 2.6 made ``torch.load`` default to ``weights_only=True``. MMEngine
0.10 checkpoints hold ``HistoryBuffer`` objects, numpy scalars and other
Python objects in their ``message_hub`` entry, so resuming, ``load_from`` and
``tools/test.py CONFIG CKPT`` fail with an ``UnpicklingError``. mmsona
re-registers MMEngine's loader for local paths with full unpickling.

Only load checkpoints you trust: unpickling can run arbitrary code.
"""
import os.path as osp
from typing import Any, Optional

import torch
from mmengine.runner.checkpoint import CheckpointLoader

__all__ = ['load_local_checkpoint', 'patch_checkpoint_loading']


def load_local_checkpoint(filename: str,
                          map_location: Optional[Any] = None) -> Any:
    """Load a checkpoint from a local path, unpickling every object.

    Args:
        filename (str): Path of the checkpoint file.
        map_location (Any, optional): Passed to :func:`torch.load`.

    Returns:
        Any: The loaded checkpoint, usually a dict.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(
            f'Checkpoint {filename!r} does not exist. Check the path, or '
            'train a model first (the checkpoints of a run are written to '
            'its work_dir).')
    return torch.load(filename, map_location=map_location, weights_only=False)


def patch_checkpoint_loading() -> None:
    """Make MMEngine's local-path checkpoint loader unpickle fully.

    Idempotent; called when :mod:`mmsona` is imported.
    """
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_local_checkpoint, force=True)
