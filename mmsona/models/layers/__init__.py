"""Building blocks: SONA attention, its first-order rival and DropBlock+."""
from .dropblock_plus import DropBlockPlus
from .non_local import FirstOrderNonLocal
from .sona import SONA

__all__ = ['SONA', 'FirstOrderNonLocal', 'DropBlockPlus']
