"""A combined ranking score, ``(R1 + mAP) / 2``, for checkpoint selection."""
from typing import Dict, Optional

from mmengine.hooks import Hook

from mmsona.registry import HOOKS

__all__ = ['ReIDScoreHook']


@HOOKS.register_module()
class ReIDScoreHook(Hook):
    """Add ``reid/R1_mAP = (reid/R1 + reid/mAP) / 2`` to the metrics.

    The key is added to the metrics of every validation and test (so it is
    logged, written to the scalar backends and usable by the checkpoint
    hook): select checkpoints by it with
    ``default_hooks.checkpoint.save_best='reid/R1_mAP'``. It runs after
    MMEngine's ``RuntimeInfoHook`` and before the logger and checkpoint
    hooks.

    Args:
        r1_key (str): Rank-1 key. Defaults to 'reid/R1'.
        map_key (str): mAP key. Defaults to 'reid/mAP'.
        out_key (str): Key of the mean. Defaults to 'reid/R1_mAP'.
    """

    priority = 'HIGH'

    def __init__(self,
                 r1_key: str = 'reid/R1',
                 map_key: str = 'reid/mAP',
                 out_key: str = 'reid/R1_mAP') -> None:
        self.r1_key = r1_key
        self.map_key = map_key
        self.out_key = out_key

    def _add(self, runner, metrics: Optional[Dict[str, float]],
             mode: str) -> None:
        if not metrics or self.r1_key not in metrics \
                or self.map_key not in metrics:
            return
        value = (float(metrics[self.r1_key]) +
                 float(metrics[self.map_key])) / 2
        metrics[self.out_key] = value
        runner.message_hub.update_scalar(f'{mode}/{self.out_key}', value)

    def after_val_epoch(self, runner, metrics=None) -> None:
        self._add(runner, metrics, 'val')

    def after_test_epoch(self, runner, metrics=None) -> None:
        self._add(runner, metrics, 'test')
