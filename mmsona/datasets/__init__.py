"""Re-ID datasets, the identity sampler, transforms and the synthetic
benchmark."""
from .base_reid_dataset import BaseReIDDataset, ReIDRecord
from .market1501 import Market1501
from .market_style_dataset import MarketStyleDataset
from .samplers import IdentitySampler, check_identity_batch
from .synthetic import (SYNTHETIC_PRESETS, SyntheticPreset,
                        generate_synthetic_reid, is_synthetic_complete)
from .synthetic_reid import SyntheticReID
from .transforms import (LoadReIDImage, PackReIDInputs, RandomSquareErase,
                         UnreadableImageError)

__all__ = [
    'BaseReIDDataset', 'ReIDRecord', 'MarketStyleDataset', 'Market1501',
    'SyntheticReID', 'SYNTHETIC_PRESETS', 'SyntheticPreset',
    'generate_synthetic_reid', 'is_synthetic_complete', 'IdentitySampler',
    'check_identity_batch', 'LoadReIDImage', 'PackReIDInputs',
    'RandomSquareErase', 'UnreadableImageError'
]
