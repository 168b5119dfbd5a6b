"""Helpers for the tests that start several processes of one job."""
import importlib.util
import os.path as osp
import socket


def free_port() -> int:
    """A TCP port on 127.0.0.1 that no process listens on now.

    Returns:
        int: The port, for a rendezvous (``MASTER_PORT``, ``init_method``).
    """
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def run_ranks(worker_file: str, args: tuple, nprocs: int) -> None:
    """Run ``run(rank, *args)`` of a worker file in ``nprocs`` processes.

    The processes are forked from the test process, so they start with its
    imports instead of importing torch and mmsona again each: these tests
    check what the ranks compute and exchange, not how a job starts (the
    launcher tests start fresh interpreters with ``tools/dist_train.sh``).

    Args:
        worker_file (str): A ``_*_worker.py`` file next to the test.
        args (tuple): ``run``'s arguments after the rank.
        nprocs (int): Number of ranks.

    Raises:
        torch.multiprocessing.ProcessRaisedException: When a rank raises.
    """
    import torch.multiprocessing as mp
    name = osp.splitext(osp.basename(worker_file))[0]
    spec = importlib.util.spec_from_file_location(name, worker_file)
    worker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(worker)
    mp.start_processes(
        worker.run, args=args, nprocs=nprocs, join=True, start_method='fork')
