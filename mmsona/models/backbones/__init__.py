"""Backbones."""
from .sona_resnet import SONAResNet

__all__ = ['SONAResNet']
