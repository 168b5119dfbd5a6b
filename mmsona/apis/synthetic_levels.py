"""Reference levels of a synthetic benchmark: what a ranking that knows the
identity groups (and, in the relational probe, the true part colours)
scores on the benchmark's own query and gallery lists."""
from typing import Dict, List

import numpy as np

from mmsona.datasets.synthetic import (evaluation_lists, get_preset,
                                       group_blind_distances,
                                       part_oracle_distances, plan_benchmark)
from mmsona.evaluation.functional import evaluate_rank

__all__ = ['reference_metrics', 'REFERENCE_RANKINGS', 'REFERENCE_METRICS']

REFERENCE_RANKINGS = ('group_blind', 'part_oracle')
REFERENCE_METRICS = ('R1', 'R5', 'R10', 'mAP', 'mINP')


def reference_metrics(size,
                      difficulty: str,
                      seed: int,
                      ranking: str = 'group_blind',
                      draws: int = 1,
                      rng_seed: int = 0) -> Dict[str, List[float]]:
    """Metrics of a reference ranking of a synthetic benchmark.

    Args:
        size (str | dict | SyntheticPreset): Preset of the benchmark.
        difficulty (str): ``'normal'``, ``'hard'`` or ``'relational'``.
        seed (int): Seed of the benchmark.
        ranking (str): ``'group_blind'`` (group-mates first, in random
            order: the relation-blind floor of the relational probe) or
            ``'part_oracle'`` (relational probe only: the relation decoded
            from the true part colours; deterministic, so evaluated once).
            Defaults to ``'group_blind'``.
        draws (int): Random within-group orders evaluated. Defaults to 1.
        rng_seed (int): Seed of those orders. Defaults to 0.

    Returns:
        dict[str, list[float]]: Per draw, R1, R5, R10, mAP and mINP in
        percent.
    """
    if ranking not in REFERENCE_RANKINGS:
        raise ValueError(f'ranking must be one of {REFERENCE_RANKINGS}, got '
                         f'{ranking!r}')
    if ranking == 'part_oracle' and difficulty != 'relational':
        raise ValueError('The part oracle exists for the relational probe '
                         f'only, not difficulty={difficulty!r}.')
    if draws < 1:
        raise ValueError(f'draws must be >= 1, got {draws}.')
    plan = plan_benchmark(get_preset(size), seed, difficulty)
    lists = evaluation_lists(plan)
    rng = np.random.default_rng(rng_seed)
    out: Dict[str, List[float]] = {k: [] for k in REFERENCE_METRICS}
    for _ in range(draws if ranking == 'group_blind' else 1):
        dist = (
            group_blind_distances(lists, rng) if ranking == 'group_blind' else
            part_oracle_distances(plan, lists))
        res = evaluate_rank(
            dist,
            lists.q_pids,
            lists.g_pids,
            lists.q_camids,
            lists.g_camids,
            max_rank=10)
        for key, rank in (('R1', 1), ('R5', 5), ('R10', 10)):
            out[key].append(100.0 * float(res['cmc'][rank - 1]))
        out['mAP'].append(100.0 * res['mAP'])
        out['mINP'].append(100.0 * res['mINP'])
    return out
