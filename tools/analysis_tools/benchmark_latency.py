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
import os
import statistics
import sys
from typing import List

import torch
from mmengine.config import DictAction

from mmsona.analysis import (TIMERS, count_complexity, load_benchmark_config,
                             ratio_stats, steady_allocator_env, time_models)
from mmsona.apis import get_model
from mmsona.utils import config_name


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
        'script restarts itself with fixed ones, see '
        'mmsona.analysis.STEADY_MALLOC)')
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
        model = get_model(load_benchmark_config(path, args.cfg_options))
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
