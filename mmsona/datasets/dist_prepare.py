"""Preparing files once in a distributed run."""
from typing import Any, Callable

from mmengine.dist import barrier, get_dist_info

__all__ = ['prepare_on_main_process']


def prepare_on_main_process(func: Callable[..., Any], *args, **kwargs) -> None:
    """Run ``func`` on rank 0 only; other ranks wait at a barrier.

    Without a process group (a single process) ``func`` simply runs. If it
    raises on rank 0, rank 0 re-raises after the barrier, so the other
    ranks are not left waiting forever.

    Args:
        func (Callable): The preparation (generation, extraction, ...).
        *args: Its positional arguments.
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
    if error is not None:
        raise error
