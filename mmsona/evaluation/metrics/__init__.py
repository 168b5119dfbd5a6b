"""Metrics for the MMEngine evaluator."""
from .reid_metric import ReIDMetric

__all__ = ['ReIDMetric']
