"""Generate mmsona's synthetic re-ID benchmark in the Market1501 layout.

Example::

    python tools/misc/make_synthetic_reid.py --out data/synthetic_reid \\
        --size demo --seed 0
"""
import argparse
import os.path as osp
import sys
import time

from mmsona.datasets.synthetic import (SYNTHETIC_PRESETS,
                                       generate_synthetic_reid,
                                       is_synthetic_complete,
                                       read_synthetic_marker)


def parse_args(argv=None) -> argparse.Namespace:
    sizes = ', '.join(
        f'{name} ({p.num_train_ids} train ids, {p.num_test_ids} test ids, '
        f'{p.num_cameras} cameras, ~{int(p.expected_counts()["total"])} '
        'images)' for name, p in SYNTHETIC_PRESETS.items())
    parser = argparse.ArgumentParser(
        description='Generate the synthetic person re-ID benchmark: '
        'pedestrian-like figures seen by simulated cameras, written as '
        'bounding_box_train/, query/ and bounding_box_test/ exactly like '
        'Market1501 (read it with the Market1501 or SyntheticReID dataset).')
    parser.add_argument(
        '--out',
        default='data/synthetic_reid',
        help='output folder; it receives the three split folders and '
        'synthetic_reid.json (default: %(default)s)')
    parser.add_argument(
        '--size',
        default='demo',
        choices=sorted(SYNTHETIC_PRESETS),
        help=f'size preset: {sizes} (default: %(default)s)')
    parser.add_argument(
        '--seed',
        type=int,
        default=0,
        help='random seed; the same seed gives byte-identical files '
        '(default: %(default)s)')
    parser.add_argument(
        '--difficulty',
        default='normal',
        choices=['normal', 'hard', 'relational'],
        help='"hard" makes groups of identities that share every single '
        'attribute and differ only in the combination of two distant parts '
        '(e.g. hat colour with shoe colour); "relational" makes groups of '
        'three that differ only in which two of hat, belt and shoes share a '
        'colour, redrawn in every image (default: %(default)s)')
    parser.add_argument(
        '--workers',
        type=int,
        default=None,
        help='worker processes (default: the CPU count, at most 8; small '
        'sizes are written in one process)')
    parser.add_argument(
        '--overwrite',
        action='store_true',
        help='regenerate even if the folder already holds a complete '
        'benchmark of the same parameters')
    parser.add_argument(
        '--no-progress',
        action='store_true',
        help='do not show a progress bar')
    args = parser.parse_args(argv)
    if args.workers is not None and args.workers < 1:
        parser.error(f'--workers must be >= 1, got {args.workers}')
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    out = osp.abspath(args.out)
    if osp.exists(out) and not osp.isdir(out):
        print(
            f'error: --out {out} exists and is not a folder', file=sys.stderr)
        return 2
    if not args.overwrite and is_synthetic_complete(out, args.size, args.seed,
                                                    args.difficulty):
        print(f'{out} already holds this benchmark (use --overwrite to '
              'regenerate).')
        return 0
    start = time.perf_counter()
    try:
        generate_synthetic_reid(
            out,
            size=args.size,
            seed=args.seed,
            difficulty=args.difficulty,
            num_workers=args.workers,
            overwrite=args.overwrite,
            show_progress=not args.no_progress)
    except (FileExistsError, ValueError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    counts = read_synthetic_marker(out)['counts']
    print(f'Wrote {counts["total"]} images to {out} in '
          f'{time.perf_counter() - start:.1f} s: '
          f'train {counts["bounding_box_train"]} images of '
          f'{counts["train_ids"]} ids, query {counts["query"]}, gallery '
          f'{counts["bounding_box_test"]} ({counts["junk"]} junk, '
          f'{counts["distractors"]} distractors) of {counts["test_ids"]} ids, '
          f'{counts["cameras"]} cameras.')
    return 0


if __name__ == '__main__':
    sys.exit(main())
