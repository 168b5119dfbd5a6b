# SONA after layer4, the late placement the paper reports hurts; dilated
# trunk, BFE's fixed Batch DropBlock.
_base_ = './_base_/synthetic_relational.py'

model = dict(backbone=dict(sona_stages=(3, )))
