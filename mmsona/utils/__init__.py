"""Utilities: registration, config types, checkpoint and distributed
compatibility."""
from .checkpoint_compat import (TRUST_ENV, TrustedCheckpointWarning,
                                UntrustedCheckpointError, is_plain_data,
                                load_checkpoint_to_model,
                                load_local_checkpoint, non_plain_entries,
                                restore_message_hub, to_plain_data,
                                trusted_checkpoints)
from .config_types import config_type_name, is_config_type
from .dataloader_cfg import drop_persistence_without_workers
from .determinism import setup_deterministic_env
from .dist_compat import setup_cpu_distributed
from .mmengine_compat import apply_mmengine_patches, patch_checkpoint_loading
from .setup_env import register_all_modules

__all__ = [
    'TRUST_ENV', 'TrustedCheckpointWarning', 'UntrustedCheckpointError',
    'apply_mmengine_patches', 'config_type_name',
    'drop_persistence_without_workers', 'is_config_type', 'is_plain_data',
    'load_checkpoint_to_model', 'load_local_checkpoint', 'non_plain_entries',
    'patch_checkpoint_loading', 'register_all_modules', 'restore_message_hub',
    'setup_cpu_distributed', 'setup_deterministic_env', 'to_plain_data',
    'trusted_checkpoints'
]
