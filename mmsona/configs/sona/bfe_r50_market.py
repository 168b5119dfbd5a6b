# Mirrors configs/sona/bfe_r50_market.py in pure Python.
# BFE baseline on Market-1501 (stride-16 trunk, Batch DropBlock, no SONA).
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.market1501 import *
    from .._base_.default_runtime import *
    from .._base_.models.bfe_r50 import *
    from .._base_.schedules.adam_400e import *
