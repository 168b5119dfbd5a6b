"""Re-ID datasets, the identity sampler, transforms and the synthetic
benchmark."""
from .base_reid_dataset import BaseReIDDataset, ReIDRecord
from .cuhk03 import CUHK03
from .dukemtmcreid import DukeMTMCreID
from .market1501 import Market1501
from .market_style_dataset import MarketStyleDataset
from .msmt17 import MSMT17
from .reid_file_list import ReIDFileList
from .samplers import IdentitySampler, check_identity_batch
from .synthetic import (SYNTHETIC_PRESETS, SyntheticPreset,
                        generate_synthetic_reid, is_synthetic_complete)
from .synthetic_reid import SyntheticReID
from .transforms import (LoadReIDImage, PackReIDInputs, RandomSquareErase,
                         UnreadableImageError)

__all__ = [
    'BaseReIDDataset', 'ReIDRecord', 'MarketStyleDataset', 'Market1501',
    'DukeMTMCreID', 'CUHK03', 'MSMT17', 'ReIDFileList', 'SyntheticReID',
    'SYNTHETIC_PRESETS', 'SyntheticPreset', 'generate_synthetic_reid',
    'is_synthetic_complete', 'IdentitySampler', 'check_identity_batch',
    'LoadReIDImage', 'PackReIDInputs', 'RandomSquareErase',
    'UnreadableImageError'
]
