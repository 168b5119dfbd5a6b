# BFE + dilation + DropBlock+ (variable block height), no SONA: the full
# model without its SONA blocks, the trunk SONA is measured against.
_base_ = './sona_r50_market.py'

model = dict(backbone=dict(sona_stages=()))
