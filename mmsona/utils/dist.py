"""Distributed helpers: CPU process groups and preparing files once.

MMEngine's ``init_dist`` calls ``torch.cuda.set_device`` and its DDP wrapper
passes ``device_ids=[LOCAL_RANK]``; both fail for CPU processes, which
:func:`setup_cpu_distributed` works around. On a machine with CUDA it changes
nothing in MMEngine's behaviour (NCCL, one GPU a process).
:func:`prepare_on_main_process` runs a preparation (generating or
extracting a data set) on rank 0 while the others wait.
"""
import datetime
import math
import os
from typing import Any, Callable, Optional

import torch
import torch.distributed as dist
from mmengine.config import Config
from mmengine.dist import barrier, get_dist_info

__all__ = ['prepare_on_main_process', 'setup_cpu_distributed']


def setup_cpu_distributed(cfg: Config) -> bool:
    """Prepare a torchrun-launched CPU process group before the Runner.

    When CUDA is unavailable and the process was started by a launcher that
    sets ``RANK`` (``torchrun``), the gloo process group is initialised here
    (the Runner then skips its own ``init_dist``) and the model wrapper is
    told to use no device ids.

    Args:
        cfg (Config): The config the Runner will be built from; its
            ``launcher`` must not be ``'none'`` for anything to happen.

    Returns:
        bool: True if a CPU process group is in use.
    """
    if torch.cuda.is_available() or 'RANK' not in os.environ:
        return False
    if cfg.get('launcher', 'none') == 'none':
        return False
    if not dist.is_initialized():
        timeout = cfg.get('env_cfg', {}).get('dist_cfg', {}).get('timeout')
        kwargs = {}
        if timeout is not None:
            kwargs['timeout'] = datetime.timedelta(seconds=timeout)
        dist.init_process_group('gloo', **kwargs)
    wrapper_cfg = dict(cfg.get('model_wrapper_cfg') or {})
    wrapper_cfg.setdefault('type', 'MMDistributedDataParallel')
    wrapper_cfg['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper_cfg
    return True


def _num_nodes(world_size: int) -> int:
    """Number of nodes of the job, from the launcher's environment.

    ``torchrun`` sets ``GROUP_WORLD_SIZE`` (and ``LOCAL_WORLD_SIZE``),
    Slurm ``SLURM_NNODES``, Open MPI ``OMPI_COMM_WORLD_LOCAL_SIZE``.
    Without any of them the job is taken to run on one node.

    Args:
        world_size (int): Number of processes of the job.

    Returns:
        int: The number of nodes (the same on every rank).
    """
    env = os.environ
    for key in ('GROUP_WORLD_SIZE', 'SLURM_NNODES'):
        if env.get(key, '').isdigit():
            return int(env[key])
    for key in ('LOCAL_WORLD_SIZE', 'OMPI_COMM_WORLD_LOCAL_SIZE'):
        if env.get(key, '').isdigit() and int(env[key]) > 0:
            return math.ceil(world_size / int(env[key]))
    return 1


def _local_rank(rank: int) -> int:
    """This process's rank on its node (``rank`` if the launcher says
    nothing)."""
    for key in ('LOCAL_RANK', 'SLURM_LOCALID', 'OMPI_COMM_WORLD_LOCAL_RANK'):
        if os.environ.get(key, '').isdigit():
            return int(os.environ[key])
    return rank


def prepare_on_main_process(func: Callable[..., Any],
                            *args,
                            is_prepared: Optional[Callable[[], bool]] = None,
                            **kwargs) -> None:
    """Run ``func`` on rank 0 only; other ranks wait at a barrier.

    Without a process group (a single process) ``func`` simply runs. If it
    raises on rank 0, rank 0 re-raises after the barrier, so the other
    ranks are not left waiting forever.

    On several nodes, what rank 0 wrote may not be visible to the others
    (no shared file system). Given ``is_prepared``, the first process of
    every other node then checks, after rank 0 is done, whether the result
    is there and runs ``func`` itself if not, while the rest of its node
    waits at a second barrier. Nodes that share the folder with rank 0 see
    its result and do nothing, so nothing is written twice.

    Args:
        func (Callable): The preparation (generation, extraction, ...).
        *args: Its positional arguments.
        is_prepared (Callable[[], bool], optional): Whether this process
            can see a complete result of ``func``. Without it, only rank 0
            prepares, on any number of nodes. Defaults to None.
        **kwargs: Its keyword arguments.
    """
    rank, world_size = get_dist_info()
    if world_size == 1:
        func(*args, **kwargs)
        return
    error = None
    if rank == 0:
        try:
            func(*args, **kwargs)
        except Exception as e:  # re-raised after the barrier
            error = e
    barrier()
    if is_prepared is not None and _num_nodes(world_size) > 1:
        if rank != 0 and _local_rank(rank) == 0:
            try:
                if not is_prepared():
                    func(*args, **kwargs)
            except Exception as e:  # re-raised after the barrier
                error = e
        barrier()
    if error is not None:
        raise error
