"""Stop training on a NaN or infinite loss."""
import math
from typing import Dict, Optional

import torch
from mmengine.dist import all_reduce, get_rank, get_world_size
from mmengine.hooks import Hook

from mmsona.registry import HOOKS

__all__ = ['NonFiniteLossError', 'NonFiniteLossHook']


class NonFiniteLossError(FloatingPointError):
    """A training loss became NaN or infinite."""


def _as_float(value) -> Optional[float]:
    """A scalar log variable as a float (None for non-scalars)."""
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            return None
        return float(value.detach().float().cpu())
    if isinstance(value, (int, float)):
        return float(value)
    return None


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Raise :class:`NonFiniteLossError` when a loss is NaN or infinite.

    After every training iteration the hook reads the parsed log variables
    (``outputs`` of ``train_step``: ``loss`` and every named term such as
    ``loss_global_triplet``) and stops the run with a message naming the
    iteration, the epoch and the non-finite terms. It runs before the
    checkpoint hook, so no checkpoint is written from the corrupted step.
    Under DDP every rank learns whether any rank failed (one small
    all-reduce per iteration), so all stop together instead of waiting for
    each other.

    Args:
        keys (str): Log variables whose name contains this text are
            checked. Defaults to 'loss'.
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, keys: str = 'loss') -> None:
        self.keys = keys

    def _bad_terms(self, outputs: Optional[dict]) -> Dict[str, float]:
        """The non-finite checked terms of the log variables."""
        bad = {}
        for name, value in (outputs or {}).items():
            if self.keys not in name:
                continue
            value = _as_float(value)
            if value is not None and not math.isfinite(value):
                bad[name] = value
        return bad

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        bad = self._bad_terms(outputs)
        failed_ranks = [get_rank()] if bad else []
        world_size = get_world_size()
        if world_size > 1:
            flags = torch.zeros(world_size)
            flags[get_rank()] = float(bool(bad))
            all_reduce(flags, op='sum')
            failed_ranks = torch.nonzero(flags).flatten().tolist()
        if not failed_ranks:
            return
        iteration = runner.iter + 1
        where = f'iteration {iteration} (epoch {runner.epoch + 1}, ' \
            f'batch {batch_idx + 1} of the epoch)'
        if bad:
            terms = ', '.join(f'{k}={v}' for k, v in bad.items())
            finite = ', '.join(f'{k}={_as_float(v):.4g}'
                               for k, v in (outputs or {}).items()
                               if self.keys in k and k not in bad
                               and _as_float(v) is not None)
            what = f'non-finite loss term(s) {terms}'
            if finite:
                what += f' (finite: {finite})'
        else:
            what = 'a non-finite loss on another process'
        ranks = f' on rank(s) {failed_ranks}' if world_size > 1 else ''
        raise NonFiniteLossError(
            f'Training stopped at {where}{ranks}: {what}. No checkpoint was '
            'written from this step. Lower the learning rate '
            '(optim_wrapper.optimizer.lr), clip gradients '
            '(optim_wrapper.clip_grad=dict(max_norm=...)) or check the input '
            'data, then resume from the last checkpoint with --resume.')
