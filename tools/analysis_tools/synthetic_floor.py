"""Metrics of the reference rankings of a synthetic benchmark.

In the hard benchmark identities come in groups that share every
attribute but two distant parts; in the relational probe groups of three
that differ only in which two distant parts share a colour. The
**group-blind** ranking recognises the group perfectly and orders its
gallery images randomly: the level that needs no combination of parts (hard)
or no relation between parts (relational: the relation-blind floor). In the
relational probe the **part oracle** decodes the relation from the true part
colours of every image: the ceiling. Both are evaluated with the Market
protocol on the benchmark's own query/gallery lists, so trained models can
be read between them::

    python tools/analysis_tools/synthetic_floor.py --size demo \\
        --difficulty relational --seed 0 --draws 20

Nothing is rendered: the layout is planned from the seed alone.
"""
import argparse
import statistics
from typing import Dict, List, Optional, Sequence

from mmsona.apis import reference_metrics
from mmsona.apis.synthetic_levels import REFERENCE_METRICS as METRICS
from mmsona.datasets.synthetic import DIFFICULTIES


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Metrics of the reference rankings of the synthetic '
        'benchmark: groups known but not the identities within them, and '
        '(relational probe) the part oracle.')
    parser.add_argument(
        '--size', default='demo', help='benchmark size (default: demo)')
    parser.add_argument(
        '--difficulty',
        default='hard',
        choices=DIFFICULTIES,
        help='benchmark difficulty (default: hard)')
    parser.add_argument(
        '--seed', type=int, default=0, help='benchmark seed (default: 0)')
    parser.add_argument(
        '--draws',
        type=int,
        default=20,
        help='random within-group orders averaged (default: 20)')
    args = parser.parse_args(argv)
    if args.draws < 1:
        parser.error('--draws must be >= 1')
    return args


def _print_metrics(metrics: Dict[str, List[float]]) -> None:
    for key in METRICS:
        values = metrics[key]
        std = statistics.stdev(values) if len(values) > 1 else 0.0
        print(f'  {key:5s} {statistics.fmean(values):6.2f} +- {std:.2f} %')


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    blind = reference_metrics(args.size, args.difficulty, args.seed,
                              'group_blind', args.draws)
    level = ('relation-blind floor: '
             if args.difficulty == 'relational' else '')
    print(f'{args.difficulty} {args.size} benchmark (seed {args.seed}), '
          f'{level}groups known, identities within a group in random order, '
          f'{args.draws} draws:')
    _print_metrics(blind)
    if args.difficulty == 'relational':
        print('part oracle (ceiling): true part colours of every image, '
              'relation decoded exactly:')
        _print_metrics(
            reference_metrics(args.size, args.difficulty, args.seed,
                              'part_oracle'))


if __name__ == '__main__':
    main()
