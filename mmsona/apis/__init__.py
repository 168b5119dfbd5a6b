"""High-level APIs: building a model, feature extraction and the reference
levels of the synthetic benchmark."""
from .feature_extractor import FeatureExtractor
from .model import get_model, load_model_config
from .synthetic_levels import reference_metrics

__all__ = [
    'FeatureExtractor', 'get_model', 'load_model_config', 'reference_metrics'
]
