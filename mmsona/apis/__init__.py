"""High-level APIs: feature extraction and SONA attention maps."""
from mmsona.visualization.attention import (cell_center, find_sona_blocks,
                                            get_sona_attention,
                                            position_to_cell)
from .feature_extractor import FeatureExtractor

__all__ = [
    'FeatureExtractor', 'cell_center', 'find_sona_blocks',
    'get_sona_attention', 'position_to_cell'
]
