# SONA after layer2, on the dilated trunk with BFE's fixed Batch DropBlock.
_base_ = './bfe_r18-dilated_synthetic-hard.py'

model = dict(backbone=dict(sona_stages=(1, )))
