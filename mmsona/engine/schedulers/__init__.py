"""Parameter schedulers."""
from .step_warmup_lr import StepWarmupLR, StepWarmupParamScheduler

__all__ = ['StepWarmupLR', 'StepWarmupParamScheduler']
