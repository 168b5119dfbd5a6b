# BFE + dilation: layer3 and layer4 dilated (output stride 8), no SONA.
_base_ = './bfe_r50_market.py'

model = dict(backbone=dict(strides=(1, 2, 1, 1), dilations=(1, 1, 2, 4)))
