"""Losses."""
from .label_smooth_loss import LabelSmoothLoss
from .triplet_loss import TripletLoss, pairwise_euclidean

__all__ = ['LabelSmoothLoss', 'TripletLoss', 'pairwise_euclidean']
