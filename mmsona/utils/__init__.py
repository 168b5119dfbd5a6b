"""Utilities: registration, config types, checkpoints, atomic file writes,
distributed helpers and command-line pieces shared by the tools."""
from .checkpoint_compat import (TRUST_ENV, TrustedCheckpointWarning,
                                UntrustedCheckpointError, is_plain_data,
                                load_checkpoint_to_model,
                                load_local_checkpoint, non_plain_entries,
                                restore_message_hub, to_plain_data,
                                trusted_checkpoints)
from .cli import (add_model_arguments, add_trust_argument, config_name,
                  missing_file_message)
from .config_types import config_type_name, is_config_type
from .dataloader_cfg import drop_persistence_without_workers
from .determinism import setup_deterministic_env
from .dist import prepare_on_main_process, setup_cpu_distributed
from .fileio import AtomicLocalBackend, atomic_write
from .mmengine_compat import apply_mmengine_patches, patch_checkpoint_loading
from .setup_env import register_all_modules

__all__ = [
    'TRUST_ENV', 'AtomicLocalBackend', 'TrustedCheckpointWarning',
    'UntrustedCheckpointError', 'add_model_arguments', 'add_trust_argument',
    'apply_mmengine_patches', 'atomic_write', 'config_name',
    'config_type_name', 'drop_persistence_without_workers', 'is_config_type',
    'is_plain_data', 'load_checkpoint_to_model', 'load_local_checkpoint',
    'missing_file_message', 'non_plain_entries', 'patch_checkpoint_loading',
    'prepare_on_main_process', 'register_all_modules', 'restore_message_hub',
    'setup_cpu_distributed', 'setup_deterministic_env', 'to_plain_data',
    'trusted_checkpoints'
]
