# The full model: SONA after layer2 and layer3 + DropBlock+.
_base_ = './_base_/synthetic_relational.py'

model = dict(
    backbone=dict(sona_stages=(1, 2)),
    head=dict(dropblock=dict(h_range=(0.1, 0.5))))
