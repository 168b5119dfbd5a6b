"""Inference latency, FLOPs and parameters of configs, side by side.

All models are built in one process and timed in turns: after a warm-up,
every repeat runs each model once on the same batch, in forward order on
even repeats and reverse order on odd ones, so drifts of a shared, noisy
machine hit every model alike. Each model's latency is the median over the
repeats; its ratio to the baseline is the median of the per-repeat ratios
(with their inter-quartile range), next to the FLOP ratio.

Example:
    python tools/analysis_tools/benchmark_latency.py \
        configs/sona/bfe_r50-dilated-dbplus_market.py \
        configs/sona/sona_r50_market.py \
        --baseline configs/sona/bfe_r50-dilated-dbplus_market.py \
        --shape 384 128 --batch-size 8 --repeats 20 --threads 2
"""
import argparse
import gc
import os
import os.path as osp
import statistics
import sys
import time
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.config import DictAction
from torch import nn

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from get_flops import build_eval_model, count_complexity, load_config  # noqa

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


def format_table(rows: List[dict]) -> str:
    """A plain-text table of the results.

    Args:
        rows (list[dict]): One dict per config (see :func:`main`).

    Returns:
        str: The table.
    """
    header = ('config', 'params (M)', 'GFLOPs', 'FLOP ratio', 'ms / img',
              'latency ratio [IQR]', 'lat - FLOP (pts)')
    lines = [header]
    for row in rows:
        lines.append((row['name'], f'{row["params"] / 1e6:.2f}',
                      f'{row["flops"] / 1e9:.2f}', f'{row["flop_ratio"]:.3f}',
                      f'{row["latency"] * 1e3:.1f}',
                      f'{row["ratio"]:.3f} [{row["ratio_q1"]:.3f}, '
                      f'{row["ratio_q3"]:.3f}]',
                      f'{(row["ratio"] - row["flop_ratio"]) * 100:+.1f}'))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = []
    for i, line in enumerate(lines):
        text.append(' | '.join(
            cell.ljust(w) if j == 0 else cell.rjust(w)
            for j, (cell, w) in enumerate(zip(line, widths))))
        if i == 0:
            text.append('-+-'.join('-' * w for w in widths))
    return '\n'.join(text)


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


def config_name(path: str) -> str:
    """Config file name without directory and extension."""
    return osp.splitext(osp.basename(path))[0]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Side-by-side inference latency of configs')
    parser.add_argument('configs', nargs='+', help='config files')
    parser.add_argument(
        '--baseline',
        required=True,
        help='config the ratios refer to (added if not in the list)')
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        default=[384, 128],
        metavar=('H', 'W'),
        help='input height and width')
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument(
        '--repeats', type=int, default=20, help='timed runs per model')
    parser.add_argument(
        '--warmup', type=int, default=3, help='untimed runs per model')
    parser.add_argument(
        '--threads',
        type=int,
        default=None,
        help='torch.set_num_threads (default: leave torch\'s choice)')
    parser.add_argument(
        '--timer',
        choices=list(TIMERS),
        default='wall',
        help='wall clock, or CPU time of the process (steadier on a '
        'shared machine with --threads 1; with more threads it counts '
        'spinning workers too)')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--no-steady-malloc',
        action='store_true',
        help='keep glibc\'s adaptive allocator thresholds (by default the '
        'script restarts itself with fixed ones, see STEADY_MALLOC)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of every config')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    env = None if args.no_steady_malloc else steady_allocator_env(
        dict(os.environ))
    if env is not None:
        os.execve(sys.executable, [sys.executable, *sys.argv], env)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)
    paths = list(dict.fromkeys([args.baseline] + args.configs))
    names = [config_name(p) for p in paths]
    if len(set(names)) != len(names):
        raise ValueError(f'config file names must be distinct: {paths}')

    models, rows = {}, []
    for path, name in zip(paths, names):
        torch.manual_seed(args.seed)
        model = build_eval_model(load_config(path, args.cfg_options))
        info = count_complexity(model, args.shape)
        models[name] = model.to(args.device)
        rows.append(
            dict(name=name, flops=info['flops'], params=info['params']))

    torch.manual_seed(args.seed)
    inputs = torch.randn(args.batch_size, 3, *args.shape, device=args.device)
    load_before = os.getloadavg()[0]
    timings = time_models(models, inputs, args.warmup, args.repeats,
                          args.timer)
    load_after = os.getloadavg()[0]

    base = rows[0]
    for row in rows:
        row['latency'] = statistics.median(timings[row['name']])
        row['flop_ratio'] = row['flops'] / base['flops']
        (row['ratio'], row['ratio_q1'],
         row['ratio_q3']) = ratio_stats(timings, row['name'], base['name'])

    print(
        f'input {args.batch_size} x 3 x {args.shape[0]} x {args.shape[1]}, '
        f'device {args.device}, {torch.get_num_threads()} threads, '
        f'{args.timer} time, '
        f'torch {torch.__version__}, {args.warmup} warm-up + '
        f'{args.repeats} timed runs per model, order alternating, '
        f'{"adaptive" if steady_allocator_env(dict(os.environ)) else "fixed"}'
        ' glibc allocator thresholds')
    print(f'1-min load average before/after timing: {load_before:.2f} / '
          f'{load_after:.2f} on {os.cpu_count()} CPUs')
    print(f'baseline: {base["name"]}')
    print(format_table(rows))


if __name__ == '__main__':
    main()
