# SONA after layer3 only (SONA3), dilated trunk, DropBlock+.
_base_ = './sona_r50_cuhk03-detected.py'

model = dict(backbone=dict(sona_stages=(2, )))
