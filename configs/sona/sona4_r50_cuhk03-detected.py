# SONA after layer4 (late placement, which the paper reports hurts).
_base_ = './sona_r50_cuhk03-detected.py'

model = dict(backbone=dict(sona_stages=(3, )))
