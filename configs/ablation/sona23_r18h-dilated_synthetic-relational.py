# SONA after layer2 and layer3; dilated trunk, BFE's fixed Batch DropBlock.
_base_ = './_base_/synthetic_relational.py'

model = dict(backbone=dict(sona_stages=(1, 2)))
