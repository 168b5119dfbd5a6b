# SONA after layer4, the late placement the paper reports hurts; dilated
# trunk, BFE's fixed Batch DropBlock.
_base_ = './bfe_r18h-dilated_synthetic-relational.py'

model = dict(backbone=dict(sona_stages=(3, )))
