# SONA after layer2 and layer3, on the dilated trunk with BFE's fixed Batch
# DropBlock.
_base_ = './_base_/synthetic_hard.py'

model = dict(backbone=dict(sona_stages=(1, 2)))
