"""Re-identification models."""
from .reid_net import ReIDNet

__all__ = ['ReIDNet']
