"""Save and restore the random number generators with the checkpoints."""
import logging
import random
from typing import List, Optional

import numpy as np
import torch
from mmengine.dist import all_gather_object, get_rank, get_world_size
from mmengine.hooks import CheckpointHook, Hook
from mmengine.logging import print_log

from mmsona.registry import HOOKS

__all__ = [
    'RNGStateHook', 'checkpoint_rng_state', 'get_rng_state', 'set_rng_state'
]

CHECKPOINT_KEY = 'rng_states'


def get_rng_state() -> dict:
    """The state of Python's, NumPy's and PyTorch's global generators.

    Returns:
        dict: ``python``, ``numpy``, ``torch`` and, with CUDA, ``cuda``.
    """
    state = dict(
        python=random.getstate(),
        numpy=np.random.get_state(),
        torch=torch.get_rng_state())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state()
    return state


def checkpoint_rng_state(state: dict) -> dict:
    """A state of :func:`get_rng_state` in a checkpoint-safe form.

    NumPy's key array becomes an int64 tensor, so the checkpoint loads with
    ``torch.load(..., weights_only=True)``; :func:`set_rng_state` accepts
    both forms and restores the same generator state.

    Args:
        state (dict): Output of :func:`get_rng_state`.

    Returns:
        dict: The state with tensors and Python values only.
    """
    name, key, pos, has_gauss, cached = state['numpy']
    if isinstance(key, np.ndarray):
        key = torch.from_numpy(key.astype(np.int64))
    return dict(
        state, numpy=(str(name), key, int(pos), int(has_gauss), float(cached)))


def set_rng_state(state: dict) -> None:
    """Restore a state from :func:`get_rng_state`.

    Args:
        state (dict): The saved state (or its
            :func:`checkpoint_rng_state` form).
    """
    random.setstate(state['python'])
    name, key, *rest = state['numpy']
    if isinstance(key, torch.Tensor):
        key = key.numpy().astype(np.uint32)
    np.random.set_state((name, key, *rest))
    torch.set_rng_state(state['torch'].cpu())
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state(state['cuda'].cpu())


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Make ``--resume`` continue with the random streams of the lost run.

    MMEngine's resume restores weights, optimizer, schedulers and the
    loop counters, and re-seeds the generators with the run's seed; but the
    generators have advanced by the time of a checkpoint, so a resumed run
    draws different DropBlock+ blocks, flips and crops than the run it
    replaces. This hook

    - captures every rank's generator states where the checkpoint hook
      saves (end of an epoch, or of an iteration for iteration-based
      checkpoints), gathering them to rank 0 under DDP, and stores them in
      the checkpoint under ``rng_states``;
    - restores them (each rank its own) when a run resumes from such a
      checkpoint, right before training continues (not for ``load_from``);
    - makes validation invisible to the training stream: generator states
      are put back after every validation, so a resumed run, which does not
      repeat the validation of the checkpoint's epoch, stays in step.

    - with persistent data workers, undoes the one draw from PyTorch's
      generator that a resumed run makes when it starts its workers (the
      run it replaces started them before the checkpoint, so DropBlock+
      would otherwise be one draw out of step).

    The data workers' own draws (flips, crops, erasing) are not in any
    checkpoint: they are exact when the sampler keys every sample
    (:class:`~mmsona.datasets.samplers.IdentitySampler`) and the dataset
    seeds each sample's augmentation from its key (every mmsona dataset),
    see :mod:`mmsona.datasets.samplers.sample_key`. With data workers and
    a sampler or dataset that does not, a warning says that the resume
    will not be exact.

    With it and ``randomness=dict(seed=..., deterministic=True)``, a run
    killed at any point and resumed with ``--resume auto`` ends with the
    same weights as an uninterrupted one (epoch-based loops), with or
    without data workers, persistent or not.

    Args:
        by_epoch (bool, optional): Capture at epoch ends (True) or at
            iteration ends (False). Defaults to the checkpoint hook's
            ``by_epoch``.
        interval (int, optional): Capture every ``interval`` epochs or
            iterations (and at the last one). Defaults to the checkpoint
            hook's ``interval``, so states are gathered exactly when a
            checkpoint is written.
    """

    priority = 'LOW'

    def __init__(self,
                 by_epoch: Optional[bool] = None,
                 interval: Optional[int] = None) -> None:
        self.by_epoch = by_epoch
        self.interval = interval
        self._states: Optional[List[dict]] = None
        self._pending: Optional[dict] = None
        self._val_state: Optional[dict] = None
        self._worker_start_state: Optional[dict] = None

    def before_run(self, runner) -> None:
        ckpt_hook = next(
            (h for h in runner.hooks if isinstance(h, CheckpointHook)), None)
        if self.by_epoch is None:
            self.by_epoch = True if ckpt_hook is None else ckpt_hook.by_epoch
        if self.interval is None:
            self.interval = 1 if ckpt_hook is None else max(
                1, int(ckpt_hook.interval))

    def _capture(self, runner) -> None:
        """Store every rank's generator states (gathered under DDP)."""
        state = get_rng_state()
        if get_world_size() > 1:
            self._states = all_gather_object(state)
        else:
            self._states = [state]

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        if self.by_epoch:
            return
        if self.every_n_train_iters(runner, self.interval) or \
                self.is_last_train_iter(runner):
            self._capture(runner)

    def after_train_epoch(self, runner) -> None:
        if not self.by_epoch:
            return
        if self.every_n_epochs(runner, self.interval) or \
                self.is_last_train_epoch(runner):
            self._capture(runner)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if self._states is not None:
            checkpoint[CHECKPOINT_KEY] = [
                checkpoint_rng_state(s) for s in self._states
            ]

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        states = checkpoint.get(CHECKPOINT_KEY)
        meta = checkpoint.get('meta', {})
        self._pending = None if states is None else dict(
            states=states, epoch=meta.get('epoch'), iter=meta.get('iter'))

    @staticmethod
    def _warn_unkeyed_workers(loader) -> None:
        """Say when data workers draw from streams no resume restores."""
        if not getattr(loader, 'num_workers', 0):
            return
        sampler = getattr(loader, 'sampler', None)
        batch_sampler = getattr(loader, 'batch_sampler', None)
        keyed = getattr(sampler, 'yields_sample_keys', False) or getattr(
            getattr(batch_sampler, 'sampler', None), 'yields_sample_keys',
            False)
        dataset = getattr(loader, 'dataset', None)
        if keyed and getattr(dataset, 'uses_sample_keys', False):
            return
        what = (f'the sampler {type(sampler).__name__} does not key its '
                'samples' if not keyed else
                f'the dataset {type(dataset).__name__} ignores sample keys')
        print_log(
            f'RNGStateHook: train_dataloader has {loader.num_workers} data '
            f'workers and {what}, so the workers\' augmentation draws are '
            'not reproduced by --resume (nor independent of the number of '
            'workers). Use IdentitySampler with an mmsona dataset, or '
            'num_workers=0, for an exact resume.',
            logger='current',
            level=logging.WARNING)

    def before_train(self, runner) -> None:
        loader = getattr(runner, 'train_dataloader', None)
        self._warn_unkeyed_workers(loader)
        pending, self._pending = self._pending, None
        if pending is None:
            return
        # Only a resume puts the loop at the checkpoint's position; a
        # ``load_from`` of the same file starts at 0 and keeps its seed.
        if (runner.epoch, runner.iter) != (pending['epoch'], pending['iter']):
            return
        states = pending['states']
        rank = get_rank()
        if len(states) != get_world_size():
            print_log(
                f'RNGStateHook: the checkpoint holds generator states of '
                f'{len(states)} process(es), this run has '
                f'{get_world_size()}; rank {rank} uses state '
                f'{rank % len(states)}.',
                logger='current',
                level=logging.WARNING)
        set_rng_state(states[rank % len(states)])
        self._states = states
        if getattr(loader, 'persistent_workers', False) and getattr(
                loader, 'num_workers', 0) > 0:
            # Starting the workers draws PyTorch's base seed; the lost run
            # drew it in its first epoch, not here.
            self._worker_start_state = get_rng_state()

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch=None) -> None:
        if self._worker_start_state is not None:
            set_rng_state(self._worker_start_state)
            self._worker_start_state = None

    def before_val(self, runner) -> None:
        self._val_state = get_rng_state()

    def after_val(self, runner) -> None:
        if self._val_state is not None:
            set_rng_state(self._val_state)
            self._val_state = None
