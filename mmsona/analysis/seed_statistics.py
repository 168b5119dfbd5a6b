"""Statistics over the seeds of a grid of training runs."""
import statistics
from typing import List, Optional, Sequence

__all__ = ['mean_std', 'paired_difference']


def mean_std(values: Sequence[float]) -> tuple:
    """Mean and sample standard deviation (0 for a single value)."""
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return statistics.fmean(values), std


def paired_difference(results: List[dict], name: str, baseline: str,
                      key: str) -> Optional[tuple]:
    """Mean difference of a metric to the baseline over shared seeds.

    Runs of two configs with the same seed see the same identity sampling
    order, so the per-seed differences are paired; their mean comes with a
    two-sided 95% Student-t confidence interval.

    Args:
        results (list[dict]): One result per run: ``config`` (name),
            ``seed`` and the metrics.
        name (str): Config name.
        baseline (str): Name of the config compared against.
        key (str): Metric, e.g. ``'reid/mAP'``.

    Returns:
        tuple | None: ``(mean, half_width, seeds)``; the half width is NaN
        for one shared seed; None without a shared seed.
    """
    from scipy import stats  # slow to import; only needed here

    base = {r['seed']: r[key] for r in results if r['config'] == baseline}
    diffs = [
        r[key] - base[r['seed']] for r in results
        if r['config'] == name and r['seed'] in base
    ]
    if not diffs:
        return None
    mean, std = mean_std(diffs)
    if len(diffs) < 2:
        return mean, float('nan'), 1
    half = stats.t.ppf(0.975, len(diffs) - 1) * std / len(diffs)**0.5
    return mean, half, len(diffs)
