# + dilation: layer3 and layer4 dilated, output stride 8 (16 x 8 map).
_base_ = './bfe_r18_synthetic-hard.py'

model = dict(backbone=dict(strides=(1, 2, 1, 1), dilations=(1, 1, 2, 4)))
