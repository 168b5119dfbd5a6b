"""A rank of the two-node SyntheticReID test (forked, gloo on CPU).

Each process plays the only process of its own node: ``torchrun``'s
environment says two nodes of one process each, and every rank works in a
folder of its own, as nodes without a shared file system.
"""
import datetime
import os
import os.path as osp

import torch.distributed as dist


def run(rank: int, world_size: int, port: int, out_dir: str,
        shared: bool) -> None:
    """Build the tiny benchmark's train split on this "node".

    Args:
        rank (int): This process's rank.
        world_size (int): Number of processes (= nodes).
        port (int): Free localhost port of the rendezvous.
        out_dir (str): Parent of the per-node folders ``node<rank>``.
        shared (bool): Whether the benchmark's folder is common to the
            nodes (an absolute path) or each node's own (a relative one).
    """
    os.environ.update(
        RANK=str(rank),
        LOCAL_RANK='0',
        WORLD_SIZE=str(world_size),
        LOCAL_WORLD_SIZE='1',
        GROUP_WORLD_SIZE=str(world_size))
    node_dir = osp.join(out_dir, f'node{rank}')
    os.makedirs(node_dir, exist_ok=True)
    os.chdir(node_dir)
    dist.init_process_group(
        'gloo',
        init_method=f'tcp://127.0.0.1:{port}',
        rank=rank,
        world_size=world_size,
        timeout=datetime.timedelta(seconds=60))
    from mmsona.datasets import SyntheticReID
    root = osp.join(out_dir, 'shared', 'syn') if shared else 'syn'
    train = SyntheticReID(root, size='tiny', num_workers=1)
    with open(osp.join(node_dir, 'train_size.txt'), 'w') as f:
        f.write(str(len(train)))
    dist.barrier()
    dist.destroy_process_group()
