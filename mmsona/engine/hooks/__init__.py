"""Hooks: pictures, training guards, resume and checkpoint selection."""
from .atomic_checkpoint_hook import (AtomicCheckpointHook, AtomicLocalBackend,
                                     atomic_write)
from .identity_batch_check_hook import IdentityBatchCheckHook
from .nonfinite_loss_hook import NonFiniteLossError, NonFiniteLossHook
from .num_classes_check_hook import NumClassesCheckHook
from .reid_visualization_hook import ReIDVisualizationHook, write_rank_lists
from .rng_state_hook import RNGStateHook, get_rng_state, set_rng_state

__all__ = [
    'AtomicCheckpointHook', 'AtomicLocalBackend', 'atomic_write',
    'IdentityBatchCheckHook', 'NonFiniteLossError', 'NonFiniteLossHook',
    'NumClassesCheckHook', 'ReIDVisualizationHook', 'write_rank_lists',
    'RNGStateHook', 'get_rng_state', 'set_rng_state'
]
