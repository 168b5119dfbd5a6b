"""Metrics of a model that is blind to combinations of parts.

In the hard synthetic benchmark identities come in groups that share every
attribute but two distant parts. A model that recognises the group
perfectly but cannot tell the combination apart ranks the group's gallery
images first, in random order. This script evaluates exactly that ranking
(Market protocol, the benchmark's own query/gallery lists), so trained
models can be compared with the level that needs no long-range relation::

    python tools/analysis_tools/synthetic_floor.py --size demo \\
        --difficulty hard --seed 0 --draws 20

Nothing is rendered: the layout is planned from the seed alone.
"""
import argparse
import statistics
from typing import Dict, Optional, Sequence

import numpy as np

from mmsona.datasets.synthetic import (get_preset, identity_groups,
                                       plan_benchmark)
from mmsona.evaluation.functional import evaluate_rank

METRICS = ('R1', 'R5', 'R10', 'mAP', 'mINP')


def group_blind_metrics(size: str,
                        difficulty: str,
                        seed: int,
                        draws: int,
                        rng_seed: int = 0) -> Dict[str, list]:
    """Metrics of rankings that are perfect up to the identity group.

    Args:
        size (str): Preset of the benchmark (``tiny``, ``demo``, ``full``).
        difficulty (str): ``'normal'`` or ``'hard'``.
        seed (int): Seed of the benchmark.
        draws (int): Random within-group orders to evaluate.
        rng_seed (int): Seed of those orders. Defaults to 0.

    Returns:
        dict[str, list[float]]: Per draw, R1, R5, R10, mAP and mINP in
        percent.
    """
    preset = get_preset(size)
    plan = plan_benchmark(preset, seed, difficulty)
    num_train = plan.num_train_ids
    test_groups = identity_groups(len(plan.pids) - num_train, difficulty)

    def split(prefix):
        images = [
            im for im in plan.images
            if im.relpath.startswith(prefix) and im.kind != 'junk'
        ]
        pids = np.array([
            plan.pids[im.identity] if im.identity >= 0 else 0 for im in images
        ])
        groups = np.array([
            test_groups[im.identity - num_train] if im.identity >= 0 else -1
            for im in images
        ])
        return pids, np.array([im.camera for im in images]), groups

    q_pids, q_cams, q_groups = split('query/')
    g_pids, g_cams, g_groups = split('bounding_box_test/')
    same_group = (q_groups[:, None] == g_groups[None, :]) & (
        g_groups[None, :] >= 0)
    rng = np.random.default_rng(rng_seed)
    out: Dict[str, list] = {k: [] for k in METRICS}
    for _ in range(draws):
        # Group-mates in [0, 1), everything else in [1, 2): random order
        # inside each of the two blocks.
        dist = rng.random(same_group.shape) + np.where(same_group, 0.0, 1.0)
        res = evaluate_rank(dist, q_pids, g_pids, q_cams, g_cams, max_rank=10)
        for k, rank in (('R1', 1), ('R5', 5), ('R10', 10)):
            out[k].append(100.0 * float(res['cmc'][rank - 1]))
        out['mAP'].append(100.0 * res['mAP'])
        out['mINP'].append(100.0 * res['mINP'])
    return out


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Metrics of a ranking that knows the identity groups of '
        'the synthetic benchmark but not the identities within them.')
    parser.add_argument(
        '--size', default='demo', help='benchmark size (default: demo)')
    parser.add_argument(
        '--difficulty',
        default='hard',
        choices=['normal', 'hard'],
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


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    metrics = group_blind_metrics(args.size, args.difficulty, args.seed,
                                  args.draws)
    print(f'{args.difficulty} {args.size} benchmark (seed {args.seed}), '
          f'groups known, identities within a group in random order, '
          f'{args.draws} draws:')
    for key in METRICS:
        values = metrics[key]
        std = statistics.stdev(values) if len(values) > 1 else 0.0
        print(f'  {key:5s} {statistics.fmean(values):6.2f} +- {std:.2f} %')


if __name__ == '__main__':
    main()
