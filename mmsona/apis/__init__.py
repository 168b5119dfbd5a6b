"""High-level APIs: building a model, feature extraction, search of
unlabelled images and the reference levels of the synthetic benchmark."""
from .feature_extractor import FeatureExtractor
from .model import get_model, load_model_config
from .searcher import ReIDSearcher
from .synthetic_levels import reference_metrics

__all__ = [
    'FeatureExtractor', 'ReIDSearcher', 'get_model', 'load_model_config',
    'reference_metrics'
]
