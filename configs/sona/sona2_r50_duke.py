# SONA after layer2 only (SONA2), dilated trunk, DropBlock+.
_base_ = './sona_r50_duke.py'

model = dict(backbone=dict(sona_stages=(1, )))
