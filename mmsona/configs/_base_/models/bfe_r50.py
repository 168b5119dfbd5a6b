# Mirrors configs/_base_/models/bfe_r50.py in pure Python.
# BFE baseline: stride-16 ResNet-50, fixed Batch DropBlock, no SONA.
from mmengine.config import read_base

with read_base():
    from .sona_r50 import *

model.update(
    backbone=dict(
        strides=(1, 2, 2, 1), dilations=(1, 1, 1, 1), sona_stages=()),
    head=dict(dropblock=dict(h_range=(0.33, 0.33), w_range=(1.0, 1.0))))
