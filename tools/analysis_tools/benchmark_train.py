"""Training speed of configs: the MMEngine Runner against a bare loop.

Every config's model is trained in one process along two paths on the same
batches, interleaved step by step: through the MMEngine Runner (data
preprocessor, optimiser wrapper, the config's hooks, logging: the real
``train_step``) and through a bare PyTorch loop of the same module and
optimiser (forward, loss, backward, ``optimizer.step()``). With several
configs, all of them are timed in turns, so their ratios to the baseline
come from one run. The config's data loader is timed beside the model, and
the report says which of the two bounds training.

Examples::

    # Framework overhead at the demo config
    python tools/analysis_tools/benchmark_train.py \\
        configs/sona/sona_r18_synthetic.py --steps 20

    # What each design choice costs per training step at 384 x 128
    python tools/analysis_tools/benchmark_train.py \\
        configs/sona/bfe_r50_market.py \\
        configs/sona/bfe_r50-dilated_market.py \\
        ... --baseline configs/sona/bfe_r50-dilated_market.py \\
        --synthetic --shape 384 128 --batch-size 8 --steps 5

``--amp`` needs CUDA (MMEngine's ``AmpOptimWrapper``, as
``tools/train.py --amp``); on a machine without CUDA it is refused.
"""
import argparse
import os
import sys
import tempfile
from typing import Dict, List, Optional

import torch
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.utils import ProgressBar

from mmsona.analysis import (TrainStepSubject, load_benchmark_config,
                             loader_bound, loader_config, ratio_stats,
                             steady_allocator_env, summarise, time_loader,
                             time_train_steps)
from mmsona.utils import config_name

SYNTHETIC_ROOT = 'data/synthetic_reid'


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Training images/s of configs through the MMEngine '
        'Runner and a bare PyTorch loop, interleaved, with the data '
        'loader beside them')
    parser.add_argument('configs', nargs='+', help='config files')
    parser.add_argument(
        '--baseline',
        default=None,
        help='config the cost ratios refer to (default: the first; added '
        'if not in the list)')
    parser.add_argument(
        '--steps', type=int, default=10, help='timed steps of each path')
    parser.add_argument(
        '--warmup', type=int, default=2, help='untimed steps of each path')
    parser.add_argument(
        '--batch-size',
        type=int,
        default=None,
        help='images per step (default: the config\'s)')
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        default=None,
        metavar=('H', 'W'),
        help='training image size: sets the Resize and RandomCrop of the '
        'training pipeline (default: the config\'s)')
    parser.add_argument(
        '--synthetic',
        action='store_true',
        help='train on the embedded synthetic benchmark (generated in '
        f'{SYNTHETIC_ROOT} if missing) instead of the config\'s data set, '
        'keeping its pipeline, sampler and collate')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='mixed precision (CUDA only): AmpOptimWrapper in the Runner, '
        'float16 autocast and a gradient scaler in the bare loop')
    parser.add_argument(
        '--channels-last',
        action='store_true',
        help='model and inputs in channels-last memory format')
    parser.add_argument(
        '--loader-batches',
        type=int,
        default=10,
        help='batches of the config\'s data loader timed (0: skip)')
    parser.add_argument(
        '--threads',
        type=int,
        default=None,
        help='torch.set_num_threads (default: leave torch\'s choice)')
    parser.add_argument(
        '--no-steady-malloc',
        action='store_true',
        help='keep glibc\'s adaptive allocator thresholds (see '
        'mmsona.analysis.STEADY_MALLOC)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of every config, xxx=yyy format')
    args = parser.parse_args(argv)
    if args.steps < 1 or args.warmup < 0 or args.loader_batches < 0:
        parser.error('--steps must be >= 1, --warmup and --loader-batches '
                     '>= 0')
    if args.amp and not torch.cuda.is_available():
        parser.error('--amp needs a CUDA GPU (MMEngine\'s AmpOptimWrapper, '
                     'as tools/train.py --amp); none is available')
    return args


def _set_shape(pipeline: List[Dict], height: int, width: int) -> None:
    """Point the pipeline's Resize and RandomCrop at ``height x width``."""
    found = False
    for transform in pipeline:
        if transform['type'] == 'Resize':
            transform['scale'] = (width, height)
            found = True
        elif transform['type'] == 'RandomCrop':
            transform['crop_size'] = (height, width)
    if not found:
        raise ValueError('--shape needs a Resize transform in the training '
                         'pipeline; this one has none')


def prepare_config(path: str, args: argparse.Namespace) -> Config:
    """The config to time, with the command line's changes.

    Args:
        path (str): Config file.
        args (Namespace): Parsed arguments.

    Returns:
        Config: The config.
    """
    cfg = load_benchmark_config(path, args.cfg_options)
    dataset = cfg.train_dataloader.dataset
    if args.synthetic:
        cfg.train_dataloader.dataset = dict(
            type='SyntheticReID',
            data_root=SYNTHETIC_ROOT,
            size='demo',
            seed=0,
            pipeline=dataset.pipeline)
        dataset = cfg.train_dataloader.dataset
    if args.shape is not None:
        _set_shape(dataset.pipeline, *args.shape)
    return cfg


def format_table(rows: List[Dict]) -> str:
    """A Markdown table of the results (one row per config)."""
    lines = [
        '| config | Runner images/s | bare images/s | Runner / bare | '
        'step time / baseline [IQR] | peak MB per step | loader images/s |',
        '|---|---:|---:|---:|---:|---:|---:|'
    ]
    for row in rows:
        loader = (f'{row["loader_ips"]:.1f}'
                  if row.get('loader_ips') is not None else '-')
        peak = row['runner_mb']
        cost, low, high = row['cost']
        lines.append(
            f'| {row["name"]} | {row["runner_ips"]:.2f} | '
            f'{row["bare_ips"]:.2f} | {row["runner_over_bare"]:.3f} | '
            f'{cost:.3f} [{low:.3f}, {high:.3f}] | '
            f'{"-" if peak != peak else f"{peak:.0f}"} | {loader} |')
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    env = None if args.no_steady_malloc else steady_allocator_env(
        dict(os.environ))
    if env is not None and argv is None:
        os.execve(sys.executable, [sys.executable, *sys.argv], env)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    paths = list(
        dict.fromkeys([args.baseline or args.configs[0]] + args.configs))
    names = [config_name(p) for p in paths]
    if len(set(names)) != len(names):
        print(
            f'error: config file names must be distinct: {paths}',
            file=sys.stderr)
        return 2
    configs = [prepare_config(p, args) for p in paths]
    init_default_scope(configs[0].get('default_scope', 'mmsona'))

    with tempfile.TemporaryDirectory(prefix='benchmark_train_') as work:
        subjects = []
        for name, cfg in zip(names, configs):
            torch.manual_seed(0)
            subjects.append(
                TrainStepSubject(
                    name,
                    cfg,
                    os.path.join(work, name),
                    num_batches=min(args.warmup + args.steps, 8),
                    batch_size=args.batch_size,
                    amp=args.amp,
                    channels_last=args.channels_last))
        first = subjects[0].batches[0]['inputs']
        device = subjects[0].device
        print(f'{len(subjects)} config(s), batch {subjects[0].batch_size} x '
              f'{tuple(first.shape[-3:])}, device {device}, '
              f'{torch.get_num_threads()} threads, torch {torch.__version__}'
              f'{", AMP" if args.amp else ""}'
              f'{", channels_last" if args.channels_last else ""}; '
              f'{args.warmup} warm-up + {args.steps} timed steps per path, '
              'Runner and bare interleaved')
        bar = ProgressBar(args.warmup + args.steps)
        load_before = os.getloadavg()[0]
        timings = time_train_steps(
            subjects, args.steps, args.warmup, progress=bar.update)
        load_after = os.getloadavg()[0]
        print()
        for subject in subjects:
            subject.close()

    # Both paths run the same model: a step's cost is their sum.
    step_times = {
        name: [r + b for r, b in zip(steps['runner'], steps['bare'])]
        for name, steps in timings.items()
    }
    rows = []
    for subject in subjects:
        row = dict(
            name=subject.name, **summarise(subject, timings[subject.name]))
        row['cost'] = ratio_stats(step_times, subject.name, names[0])
        rows.append(row)
    if args.loader_batches:
        for row, cfg in zip(rows, configs):
            loader_cfg = loader_config(cfg, batch_size=args.batch_size)
            result = time_loader(loader_cfg, args.loader_batches)
            row['loader_ips'] = result['images_per_s']
    print(f'1-min load average before/after timing: {load_before:.2f} / '
          f'{load_after:.2f} on {os.cpu_count()} CPUs')
    print(f'baseline: {names[0]}; "step time / baseline" is the median, '
          'over the timed steps, of the ratio of the config\'s step time '
          '(Runner and bare together) to the baseline\'s in the same step, '
          'with its inter-quartile range; "Runner / bare" the median '
          'per-step ratio of images/s')
    print(format_table(rows))
    for row in rows:
        overhead = (1.0 / row['runner_over_bare'] - 1.0) * 100
        line = (f'{row["name"]}: Runner step {overhead:+.1f}% time over the '
                'bare step')
        if row.get('loader_ips') is not None:
            line += '; ' + loader_bound(row['loader_ips'], row['runner_ips'])
        print(line)
    return 0


if __name__ == '__main__':
    sys.exit(main())
