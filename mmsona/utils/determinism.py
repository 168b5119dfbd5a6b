"""The environment that deterministic CUDA training needs."""
import os

from mmengine.config import Config

__all__ = ['setup_deterministic_env']

# cuBLAS workspace setting PyTorch asks for before it can make cuBLAS
# products reproducible (``torch.use_deterministic_algorithms``).
CUBLAS_WORKSPACE_CONFIG = ':4096:8'


def setup_deterministic_env(cfg: Config) -> bool:
    """Set ``CUBLAS_WORKSPACE_CONFIG`` when the config asks for determinism.

    ``randomness=dict(deterministic=True)`` makes MMEngine call
    ``torch.use_deterministic_algorithms(True)``; on CUDA (10.2 and later)
    PyTorch then refuses cuBLAS products unless ``CUBLAS_WORKSPACE_CONFIG``
    was set before cuBLAS started. Call this before the Runner is built. A
    value the user set is kept; on a machine without CUDA the variable is
    harmless.

    Args:
        cfg (Config): The config the Runner will be built from.

    Returns:
        bool: True if the config asks for determinism.
    """
    randomness = cfg.get('randomness') or {}
    if not randomness.get('deterministic', False):
        return False
    os.environ.setdefault('CUBLAS_WORKSPACE_CONFIG', CUBLAS_WORKSPACE_CONFIG)
    return True
