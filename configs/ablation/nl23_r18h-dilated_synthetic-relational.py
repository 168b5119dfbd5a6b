# The first-order rival: MMCV's non-local block (Wang et al., CVPR 2018;
# embedded Gaussian, zero-initialised output) after layer2 and layer3, at
# SONA's width (C/4), BFE's fixed Batch DropBlock.
_base_ = './_base_/synthetic_relational.py'

model = dict(
    backbone=dict(
        sona_stages=(1, 2),
        sona_cfg=dict(_delete_=True, type='FirstOrderNonLocal', reduction=4)))
