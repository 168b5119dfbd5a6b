# The BFE baseline: stride-16 trunk (4 x 2 map), fixed Batch DropBlock, no
# SONA.
_base_ = './_base_/synthetic_hard.py'

model = dict(backbone=dict(strides=(1, 2, 2, 1), dilations=(1, 1, 1, 1)))
