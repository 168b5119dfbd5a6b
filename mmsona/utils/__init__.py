"""Utilities: registration, checkpoint and distributed compatibility."""
from .checkpoint_compat import load_local_checkpoint, patch_checkpoint_loading
from .determinism import setup_deterministic_env
from .dist_compat import setup_cpu_distributed
from .setup_env import register_all_modules

__all__ = [
    'load_local_checkpoint', 'patch_checkpoint_loading',
    'register_all_modules', 'setup_cpu_distributed', 'setup_deterministic_env'
]
