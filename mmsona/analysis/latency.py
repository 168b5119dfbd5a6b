"""Latency of models timed side by side, and its statistics.

Shared, noisy machines drift; :func:`time_models` runs every model once
per repeat on the same batch, in forward order on even repeats and reverse
order on odd ones, so a drift hits every model alike, and
:func:`ratio_stats` takes the median of the per-repeat ratios to a
baseline.
"""
import gc
import statistics
import time
from typing import Dict, List, Optional, Sequence

import torch
from torch import nn

__all__ = [
    'TIMERS', 'STEADY_MALLOC', 'Timings', 'quantile', 'synchronize',
    'time_models', 'ratio_stats', 'steady_allocator_env'
]

Timings = Dict[str, List[float]]


def quantile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated quantile of a sequence.

    Args:
        values (Sequence[float]): Samples.
        q (float): Quantile in [0, 1].

    Returns:
        float: The quantile.
    """
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def synchronize(device: torch.device) -> None:
    """Wait for queued CUDA work so wall-clock times are complete."""
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


TIMERS = dict(wall=time.perf_counter, cpu=time.process_time)


def time_models(models: Dict[str, nn.Module],
                inputs: torch.Tensor,
                warmup: int,
                repeats: int,
                timer: str = 'wall') -> Timings:
    """Time every model on the same batch, alternating the order.

    Args:
        models (dict[str, nn.Module]): Models in eval mode, by name.
        inputs (Tensor): The batch, B x 3 x H x W.
        warmup (int): Untimed runs of each model first.
        repeats (int): Timed runs of each model.
        timer (str): ``'wall'`` (elapsed time) or ``'cpu'`` (CPU time of
            this process: with one thread, the time the model computed,
            not the time other processes held the core). Defaults to
            ``'wall'``.

    Returns:
        dict[str, list[float]]: Seconds per image of every repeat.
    """
    clock = TIMERS[timer]
    names = list(models)
    timings: Timings = {name: [] for name in names}
    with torch.inference_mode():
        for _ in range(warmup):
            for name in names:
                models[name](inputs)
        synchronize(inputs.device)
        gc.collect()
        gc.disable()
        try:
            for rep in range(repeats):
                for name in (names if rep % 2 == 0 else names[::-1]):
                    start = clock()
                    models[name](inputs)
                    synchronize(inputs.device)
                    timings[name].append((clock() - start) / inputs.shape[0])
        finally:
            gc.enable()
    return timings


def ratio_stats(timings: Timings, name: str, baseline: str) -> tuple:
    """Median and quartiles of the per-repeat latency ratio to the baseline.

    Args:
        timings (dict): Output of :func:`time_models`.
        name (str): Variant.
        baseline (str): Baseline.

    Returns:
        tuple[float, float, float]: Median, 25% and 75% quantiles.
    """
    ratios = [a / b for a, b in zip(timings[name], timings[baseline])]
    median = statistics.median(ratios)
    return median, quantile(ratios, 0.25), quantile(ratios, 0.75)


# glibc otherwise moves its mmap threshold as the process frees blocks, so
# whether a forward pass faults in fresh pages for its large activations
# depends on the allocation history: runs of the same command then differ
# by several points. A fixed, high threshold keeps freed memory in the heap.
STEADY_MALLOC = dict(
    MALLOC_MMAP_THRESHOLD_=str(4 << 30), MALLOC_TRIM_THRESHOLD_=str(16 << 30))


def steady_allocator_env(environ: Dict[str, str]) -> Optional[Dict[str, str]]:
    """The environment to restart under for a fixed glibc allocator policy.

    Args:
        environ (dict[str, str]): The current environment.

    Returns:
        dict[str, str] | None: ``environ`` plus :data:`STEADY_MALLOC`, or
        None when the process already runs with those settings.
    """
    if all(environ.get(k) == v for k, v in STEADY_MALLOC.items()):
        return None
    return {**environ, **STEADY_MALLOC}
