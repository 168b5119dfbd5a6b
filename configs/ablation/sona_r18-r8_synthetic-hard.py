# The full model with SONA's embedding width C / 8 (default C / 4).
_base_ = './sona_r18_synthetic-hard.py'

model = dict(backbone=dict(sona_cfg=dict(reduction=8)))
