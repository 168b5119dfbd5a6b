# The full model with SONA's rows divided by N instead of a softmax.
_base_ = './sona_r18_synthetic-hard.py'

model = dict(backbone=dict(sona_cfg=dict(normalize='scale')))
