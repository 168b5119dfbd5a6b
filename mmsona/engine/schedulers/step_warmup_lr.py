"""Staircase learning-rate warm-up (BFE / SONA-Net recipe)."""
from mmengine.optim.scheduler.lr_scheduler import LRSchedulerMixin
from mmengine.optim.scheduler.param_scheduler import _ParamScheduler

from mmsona.registry import PARAM_SCHEDULERS

__all__ = ['StepWarmupParamScheduler', 'StepWarmupLR']


@PARAM_SCHEDULERS.register_module()
class StepWarmupParamScheduler(_ParamScheduler):
    """Raise a parameter from ``start_factor`` to 1 in equal stairs.

    Between ``begin`` and ``end`` the value is
    ``base * (start_factor + (1 - start_factor) * (t // step_size) /
    (num_stairs - 1))`` with ``t`` the steps since ``begin`` and
    ``num_stairs = (end - begin) // step_size``. With base lr 1e-3,
    ``start_factor=0.1``, ``step_size=5``, ``begin=0``, ``end=50`` (epochs)
    this is the paper's ``1e-4 * (epoch // 5 + 1)``.

    Args:
        optimizer: Optimizer or optimizer wrapper.
        param_name (str): Parameter to schedule, e.g. ``'lr'``.
        start_factor (float): Factor of the first stair, in (0, 1].
            Defaults to 0.1.
        step_size (int): Steps per stair. Defaults to 5.
        begin (int): First step. Defaults to 0.
        end (int): Step after the last stair. Defaults to 50.
        by_epoch (bool): Steps are epochs. Defaults to True.
        **kwargs: ``last_step``, ``verbose``.
    """

    def __init__(self,
                 optimizer,
                 param_name: str,
                 start_factor: float = 0.1,
                 step_size: int = 5,
                 begin: int = 0,
                 end: int = 50,
                 by_epoch: bool = True,
                 **kwargs) -> None:
        if not 0.0 < start_factor <= 1.0:
            raise ValueError(f'start_factor={start_factor} must be in (0, 1].')
        if step_size < 1 or (end - begin) < step_size:
            raise ValueError(f'step_size={step_size} must be >= 1 and fit in '
                             f'[{begin}, {end}).')
        self.start_factor = start_factor
        self.step_size = step_size
        self.num_stairs = (end - begin) // step_size
        super().__init__(
            optimizer,
            param_name=param_name,
            begin=begin,
            end=end,
            by_epoch=by_epoch,
            **kwargs)

    @classmethod
    def build_iter_from_epoch(cls,
                              *args,
                              begin: int = 0,
                              end: int = 50,
                              step_size: int = 5,
                              by_epoch: bool = True,
                              epoch_length: int = None,
                              **kwargs):
        """Build the iteration-based twin of an epoch-based config."""
        if not by_epoch or not epoch_length:
            raise ValueError('convert_to_iter_based needs by_epoch=True and '
                             'a known epoch length.')
        return cls(
            *args,
            begin=begin * epoch_length,
            end=end * epoch_length,
            step_size=step_size * epoch_length,
            by_epoch=False,
            **kwargs)

    def factor(self, step: int) -> float:
        """The multiplier ``step`` steps after ``begin``.

        Args:
            step (int): Steps since ``begin``.

        Returns:
            float: Factor in [start_factor, 1].
        """
        if self.num_stairs <= 1:
            return 1.0
        stair = min(step // self.step_size, self.num_stairs - 1)
        return self.start_factor + (1.0 - self.start_factor) * stair / (
            self.num_stairs - 1)

    def _get_value(self) -> list:
        return [
            base * self.factor(self.last_step) for base in self.base_values
        ]


@PARAM_SCHEDULERS.register_module()
class StepWarmupLR(LRSchedulerMixin, StepWarmupParamScheduler):
    """:class:`StepWarmupParamScheduler` for the learning rate."""
