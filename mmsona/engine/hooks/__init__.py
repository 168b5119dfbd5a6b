"""Hooks: pictures, training guards, resume and checkpoint selection."""
from .atomic_checkpoint_hook import AtomicCheckpointHook
from .identity_batch_check_hook import IdentityBatchCheckHook
from .nonfinite_loss_hook import NonFiniteLossError, NonFiniteLossHook
from .num_classes_check_hook import NumClassesCheckHook
from .reid_visualization_hook import ReIDVisualizationHook
from .rng_state_hook import RNGStateHook, get_rng_state, set_rng_state

__all__ = [
    'AtomicCheckpointHook', 'IdentityBatchCheckHook', 'NonFiniteLossError',
    'NonFiniteLossHook', 'NumClassesCheckHook', 'ReIDVisualizationHook',
    'RNGStateHook', 'get_rng_state', 'set_rng_state'
]
