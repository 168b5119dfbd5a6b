# The full model: SONA2+3 + DropBlock+ on the dilated trunk.
_base_ = './_base_/synthetic_hard.py'

model = dict(
    backbone=dict(sona_stages=(1, 2)),
    head=dict(dropblock=dict(h_range=(0.1, 0.5))))
