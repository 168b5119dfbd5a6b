"""Print what ``make demo`` produced: metrics, checkpoint, logs, pictures.

Example:
    python tools/misc/demo_summary.py work_dirs/sona_r18_synthetic
"""
import argparse
import glob
import os.path as osp
import sys
from typing import Optional

from mmsona.analysis import LogError, last_record, load_scalar_log

METRIC_KEYS = ('reid/R1', 'reid/R5', 'reid/R10', 'reid/mAP', 'reid/mINP')


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(
        description='Summarise a demo run: test metrics and output paths.')
    parser.add_argument(
        'work_dir', help='work dir of the training run (tools/train.py)')
    parser.add_argument(
        '--test-dir',
        help='work dir of the test run (default: <work_dir>/test)')
    return parser.parse_args(argv)


def newest(pattern: str) -> Optional[str]:
    """The most recently modified path matching ``pattern``, or None."""
    paths = glob.glob(pattern)
    return max(paths, key=osp.getmtime) if paths else None


def read_test_metrics(test_dir: str) -> dict:
    """Metrics of the newest test run logged under ``test_dir``.

    Args:
        test_dir (str): Work dir given to ``tools/test.py``.

    Returns:
        dict: The last JSON record with ``reid/`` keys.
    """
    log = newest(osp.join(test_dir, '*', 'vis_data', '*.json')) or newest(
        osp.join(test_dir, '*', '*.json'))
    if log is None:
        raise SystemExit(f'No test log under {test_dir!r}: run tools/test.py '
                         f'with --work-dir {test_dir} first.')
    try:
        records = load_scalar_log(log, allow_empty=True)
    except LogError as e:
        raise SystemExit(str(e))
    record = last_record(records, METRIC_KEYS)
    if record is None:
        raise SystemExit(f'{log!r} holds no re-ID metrics.')
    return record


def main(argv=None) -> None:
    """Print the summary."""
    args = parse_args(argv)
    test_dir = args.test_dir or osp.join(args.work_dir, 'test')
    metrics = read_test_metrics(test_dir)
    last = osp.join(args.work_dir, 'last_checkpoint')
    checkpoint = open(last).read().strip() if osp.isfile(last) else None
    print('=' * 64)
    print('SONA-Net on the synthetic re-ID benchmark (test split)')
    print('  ' + '  '.join(f'{k.split("/")[1]} {metrics[k]:.1f}%'
                           for k in METRIC_KEYS if k in metrics))
    print(f'  checkpoint:  {checkpoint}')
    train_log = newest(osp.join(args.work_dir, '*', '*.log'))
    print(f'  train log:   {train_log}')
    vis_dir = osp.join(test_dir, 'vis')
    rank_lists = sorted(glob.glob(osp.join(vis_dir, 'rank_q*.png')))
    if rank_lists:
        print(f'  rank lists:  {vis_dir}/ ({len(rank_lists)} pictures, '
              f'e.g. {osp.basename(rank_lists[0])})')
    attention = newest(osp.join(vis_dir, 'attention*.png'))
    if attention:
        print(f'  attention:   {attention}')
    print('=' * 64)


if __name__ == '__main__':
    sys.exit(main())
