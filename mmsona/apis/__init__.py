"""High-level APIs: feature extraction, search of unlabelled images, SONA
attention maps and the reference levels of the synthetic benchmark."""
from mmsona.visualization.attention import (cell_center, find_sona_blocks,
                                            get_sona_attention,
                                            position_to_cell)
from .feature_extractor import FeatureExtractor
from .searcher import ReIDSearcher
from .synthetic_levels import reference_metrics

__all__ = [
    'FeatureExtractor', 'ReIDSearcher', 'cell_center', 'find_sona_blocks',
    'get_sona_attention', 'position_to_cell', 'reference_metrics'
]
