# Mirrors configs/sona/sona_r50_market.py in pure Python.
# SONA2+3-Net with DropBlock+ on Market-1501: the paper's full model.
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.market1501 import *
    from .._base_.default_runtime import *
    from .._base_.models.sona_r50 import *
    from .._base_.schedules.adam_400e import *
