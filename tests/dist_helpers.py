"""Helpers for the tests that start several processes of one job."""
import socket


def free_port() -> int:
    """A TCP port on 127.0.0.1 that no process listens on now.

    Returns:
        int: The port, for a rendezvous (``MASTER_PORT``, ``init_method``).
    """
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]
