# + dilation: layer3 and layer4 dilated, output stride 8 (8 x 4 map), the
# reference of the difference columns. It is the family base unchanged.
_base_ = './_base_/synthetic_hard.py'
