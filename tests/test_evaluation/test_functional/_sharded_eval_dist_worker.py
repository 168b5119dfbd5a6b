"""A rank of the sharded-evaluation tests (forked, gloo on CPU)."""
import datetime
import os.path as osp

import torch
import torch.distributed as dist


def run(rank: int, world_size: int, port: int, cases: dict, shard_cases: dict,
        out_dir: str) -> None:
    """Evaluate every case on this rank and save what it returns.

    Args:
        rank (int): This process's rank.
        world_size (int): Number of processes.
        port (int): Free localhost port of the rendezvous.
        cases (dict): name -> (ReIDMetric kwargs, list of sample dicts); each
            rank processes its DefaultSampler share.
        shard_cases (dict): name -> (query features, query pids, query
            camids, per-rank list of GalleryShard arguments, key space) for
            :func:`evaluate_gallery_shard` with shards of any size.
        out_dir (str): Where each rank saves its results.
    """
    dist.init_process_group(
        'gloo',
        init_method=f'tcp://127.0.0.1:{port}',
        rank=rank,
        world_size=world_size,
        timeout=datetime.timedelta(seconds=60))
    from mmengine.dataset import DefaultSampler

    from mmsona.evaluation import (GalleryShard, ReIDMetric,
                                   evaluate_gallery_shard)
    results = {}
    for name, (kwargs, samples) in cases.items():
        metric = ReIDMetric(**kwargs)
        indices = list(DefaultSampler(samples, shuffle=False))
        for start in range(0, len(indices), 4):
            metric.process(None,
                           [samples[i] for i in indices[start:start + 4]])
        results[name] = metric.evaluate(len(samples))
    for name, (q, q_pids, q_cams, shards, key_space) in shard_cases.items():
        summary, received = evaluate_gallery_shard(
            q,
            q_pids,
            q_cams,
            GalleryShard(*shards[rank]),
            key_space,
            chunk_size=5)
        results[name] = (summary, received)
    torch.save(results, osp.join(out_dir, f'rank{rank}.pth'))
    dist.barrier()
    dist.destroy_process_group()
