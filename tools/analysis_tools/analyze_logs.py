"""Plot training curves and time statistics from MMEngine scalar logs.

The logs are read with :func:`mmsona.analysis.load_scalar_log`
(``<work_dir>/<timestamp>/vis_data/scalars.json``, one JSON object per
line).

Examples:
    python tools/analysis_tools/analyze_logs.py plot_curve \
        work_dirs/sona_r18_synthetic/*/vis_data/scalars.json \
        --keys loss reid/mAP --out curve.png
    python tools/analysis_tools/analyze_logs.py cal_train_time \
        work_dirs/sona_r18_synthetic/*/vis_data/scalars.json
"""
import argparse
import os.path as osp
import sys
from collections import defaultdict
from typing import Dict, List, Optional, Tuple

from mmsona.analysis import LogError, load_scalar_log


def is_train_record(record: dict) -> bool:
    """Training records carry the global iteration."""
    return 'iter' in record


def curve(records: List[dict],
          key: str) -> Tuple[List[float], List[float], str]:
    """The ``(x, y, x_label)`` of one key in a log.

    Training keys are plotted against the global iteration; validation
    keys against their step (the epoch when metrics are logged by epoch,
    MMEngine's default).

    Args:
        records (list[dict]): Records of one log.
        key (str): Scalar name, e.g. ``loss`` or ``reid/mAP``.

    Returns:
        tuple: x values, y values and the x-axis label.
    """
    train = [r for r in records if is_train_record(r) and key in r]
    if train:
        return [r['iter'] for r in train], [r[key] for r in train], \
            'iteration'
    other = [r for r in records if key in r]
    if not other:
        keys = sorted({k
                       for r in records
                       for k in r} - {'step', 'iter', 'epoch'})
        raise LogError(f'Key {key!r} is not in the log; available keys: '
                       f'{", ".join(keys)}.')
    max_epoch = max((r.get('epoch', 0) for r in records if is_train_record(r)),
                    default=None)
    steps = [r['step'] for r in other]
    by_epoch = max_epoch is not None and max(steps) <= max_epoch
    return steps, [r[key] for r in other], 'epoch' if by_epoch else 'step'


def plot_curve(logs: Dict[str, List[dict]],
               keys: List[str],
               out: str,
               title: Optional[str] = None,
               legend: Optional[List[str]] = None,
               dpi: int = 100) -> None:
    """Plot every key in its own panel, one line per log, to a file.

    Args:
        logs (dict[str, list[dict]]): Records by log name.
        keys (list[str]): Scalars to plot.
        out (str): Output picture file.
        title (str, optional): Figure title.
        legend (list[str], optional): Line names, one per log.
        dpi (int): Resolution. Defaults to 100.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    names = legend or [
        osp.basename(osp.dirname(osp.dirname(p))) or p for p in logs
    ]
    if len(names) != len(logs):
        raise LogError(f'--legend has {len(names)} names for {len(logs)} '
                       'logs.')
    fig, axes = plt.subplots(
        len(keys), 1, figsize=(7, 2.8 * len(keys)), squeeze=False)
    for ax, key in zip(axes[:, 0], keys):
        for name, records in zip(names, logs.values()):
            xs, ys, xlabel = curve(records, key)
            marker = 'o' if len(xs) < 30 else None
            ax.plot(xs, ys, marker=marker, markersize=3, label=name)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(key)
        ax.grid(alpha=0.3)
        if len(logs) > 1:
            ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(out, dpi=dpi)
    plt.close(fig)


def train_time(records: List[dict]) -> Dict[str, float]:
    """Per-iteration and per-epoch time statistics of a training log.

    Args:
        records (list[dict]): Records of one log.

    Returns:
        dict: ``mean_iter_time`` (s), and with epochs ``slowest_epoch``,
        ``fastest_epoch``, ``epoch_time_std``.
    """
    by_epoch = defaultdict(list)
    for r in records:
        if is_train_record(r) and 'time' in r:
            by_epoch[r.get('epoch', 0)].append(r['time'])
    if not by_epoch:
        raise LogError('The log has no training records with "time".')
    all_times = [t for ts in by_epoch.values() for t in ts]
    means = {e: sum(ts) / len(ts) for e, ts in by_epoch.items()}
    avg = sum(means.values()) / len(means)
    std = (sum((m - avg)**2 for m in means.values()) / len(means))**0.5
    return dict(
        mean_iter_time=sum(all_times) / len(all_times),
        slowest_epoch=max(means, key=means.get),
        fastest_epoch=min(means, key=means.get),
        epoch_time_std=std)


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(
        description='Analyse MMEngine scalar logs (vis_data/*.json).')
    sub = parser.add_subparsers(dest='task', required=True)
    plot = sub.add_parser(
        'plot_curve',
        help='plot scalars (loss, reid/mAP ...) over iterations/epochs',
        description='Plot scalars of one or more logs to a picture, one '
        'panel per key: training keys over the iteration, validation '
        'metrics over the epoch.')
    plot.add_argument(
        'json_logs', nargs='+', help='MMEngine vis_data/*.json log files')
    plot.add_argument(
        '--keys',
        nargs='+',
        default=['loss'],
        help='scalars to plot (default: %(default)s), e.g. loss '
        'loss_global_triplet lr reid/mAP reid/R1')
    plot.add_argument(
        '--out', required=True, help='output picture file (PNG, PDF ...)')
    plot.add_argument('--title', default=None, help='figure title')
    plot.add_argument(
        '--legend',
        nargs='+',
        default=None,
        help='one line name per log (default: the run folder names)')
    plot.add_argument(
        '--dpi',
        type=int,
        default=100,
        help='resolution of the picture (default: %(default)s)')
    timing = sub.add_parser(
        'cal_train_time',
        help='average iteration time and slowest/fastest epoch',
        description='Print the mean training iteration time of each log '
        'and its slowest and fastest epoch.')
    timing.add_argument(
        'json_logs', nargs='+', help='MMEngine vis_data/*.json log files')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    """Run a task from the command line."""
    args = parse_args(argv)
    try:
        logs = {p: load_scalar_log(p) for p in args.json_logs}
        if args.task == 'plot_curve':
            if osp.dirname(args.out) and not osp.isdir(osp.dirname(args.out)):
                raise LogError(f'The folder of --out {args.out!r} does not '
                               'exist.')
            plot_curve(logs, args.keys, args.out, args.title, args.legend,
                       args.dpi)
            print(f'Plotted {", ".join(args.keys)} of {len(logs)} log(s) to '
                  f'{args.out}')
        else:
            for path, records in logs.items():
                stats = train_time(records)
                print(f'{path}\n'
                      f'  mean iteration time: '
                      f'{stats["mean_iter_time"]:.4f} s\n'
                      f'  slowest epoch: {stats["slowest_epoch"]}, fastest '
                      f'epoch: {stats["fastest_epoch"]}, std over epochs: '
                      f'{stats["epoch_time_std"]:.4f} s')
    except LogError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())
