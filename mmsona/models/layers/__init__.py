"""Building blocks: SONA attention and DropBlock+."""
from .dropblock_plus import DropBlockPlus
from .sona import SONA

__all__ = ['SONA', 'DropBlockPlus']
