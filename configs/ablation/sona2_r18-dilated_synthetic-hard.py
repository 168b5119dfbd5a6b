# SONA after layer2, on the dilated trunk with BFE's fixed Batch DropBlock.
_base_ = './_base_/synthetic_hard.py'

model = dict(backbone=dict(sona_stages=(1, )))
