"""A rank of the two-process ReIDMetric test (forked, gloo on CPU)."""
import datetime
import os
import os.path as osp

import torch
import torch.distributed as dist


def run(rank: int, world_size: int, port: int, cases: dict,
        out_dir: str) -> None:
    """Feed this rank's DefaultSampler share to ReIDMetric and evaluate.

    Every rank works in a folder of its own (``<out_dir>/node<rank>``), as
    on nodes that share no file system: only absolute paths in the metric
    arguments (a ``collect_dir``) are common to the ranks.

    Args:
        rank (int): This process's rank.
        world_size (int): Number of processes.
        port (int): Free localhost port of the rendezvous.
        cases (dict): name -> (metric kwargs, list of sample dicts).
        out_dir (str): Where each rank saves its metrics.
    """
    dist.init_process_group(
        'gloo',
        init_method=f'tcp://127.0.0.1:{port}',
        rank=rank,
        world_size=world_size,
        timeout=datetime.timedelta(seconds=30))
    from mmengine.dataset import DefaultSampler

    from mmsona.evaluation import ReIDMetric
    node_dir = osp.join(out_dir, f'node{rank}')
    os.makedirs(node_dir, exist_ok=True)
    os.chdir(node_dir)
    results = {}
    for name, (kwargs, samples) in cases.items():
        metric = ReIDMetric(**kwargs)
        indices = list(DefaultSampler(samples, shuffle=False))
        for start in range(0, len(indices), 3):
            metric.process(None,
                           [samples[i] for i in indices[start:start + 3]])
        results[name] = metric.evaluate(len(samples))
    torch.save(results, osp.join(out_dir, f'rank{rank}.pth'))
    dist.barrier()
    dist.destroy_process_group()
