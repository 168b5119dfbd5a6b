"""A rank of the two-process DDP training test (forked, gloo on CPU)."""
import datetime
import os.path as osp

import torch
import torch.distributed as dist
from tool_helpers import TINY_MODEL  # noqa: I100

# The tiny test model's trunk and head, for the 4 identities of a batch.
TINY_REID_NET = dict(
    type='ReIDNet',
    backbone=dict(
        type='SONAResNet',
        depth=18,
        strides=(1, 2, 1, 1),
        dilations=(1, 1, 2, 4),
        out_indices=(3, ),
        sona_stages=(1, 2),
        **TINY_MODEL['backbone']),
    head=dict(TINY_MODEL['head'], type='DualBranchHead', num_classes=4))


def run(rank: int, world_size: int, port: int, cases: dict, iters: int,
        out_dir: str) -> None:
    """Train every case for ``iters`` DDP iterations and save the outcome.

    Args:
        rank (int): This process's rank.
        world_size (int): Number of processes.
        port (int): Free localhost port of the rendezvous.
        cases (dict): name -> head keyword arguments.
        iters (int): Training iterations per case.
        out_dir (str): Where each rank saves ``rank<r>.pth``: per case the
            iterations done, the error if any, and the final parameters.
    """
    dist.init_process_group(
        'gloo',
        init_method=f'tcp://127.0.0.1:{port}',
        rank=rank,
        world_size=world_size,
        timeout=datetime.timedelta(seconds=60))
    torch.set_num_threads(1)
    from mmengine.model import MMDistributedDataParallel
    from mmengine.optim import OptimWrapper
    from mmpretrain.structures import DataSample

    from mmsona.registry import MODELS
    from mmsona.utils import register_all_modules
    register_all_modules()
    results = {}
    for name, head_kwargs in cases.items():
        cfg = dict(TINY_REID_NET, head=dict(TINY_REID_NET['head']))
        cfg['head'].update(head_kwargs)
        torch.manual_seed(0)
        model = MODELS.build(cfg)
        model.init_weights()
        ddp = MMDistributedDataParallel(module=model, device_ids=None)
        optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01))
        done, error = 0, None
        gen = torch.Generator().manual_seed(rank)
        try:
            for _ in range(iters):
                images = torch.randint(
                    0, 256, (8, 3, 64, 32), generator=gen).to(torch.uint8)
                labels = [DataSample().set_gt_label(i // 2) for i in range(8)]
                ddp.train_step(dict(inputs=images, data_samples=labels), optim)
                done += 1
        except RuntimeError as e:
            error = str(e)
        results[name] = dict(
            done=done,
            error=error,
            params={
                k: v.detach().clone()
                for k, v in model.named_parameters()
            })
        if error is not None:
            break  # the process group may be unusable after a DDP error
    torch.save(results, osp.join(out_dir, f'rank{rank}.pth'))
    dist.destroy_process_group()
