# MMPretrain's ResNet-50 ImageNet classifier with SONA blocks after layer2
# and layer3 (SONA2+3). Only the backbone changes; data, schedule and
# runtime are MMPretrain's, and so is the default scope.
_base_ = 'mmpretrain::resnet/resnet50_8xb32_in1k.py'

custom_imports = dict(imports=['mmsona'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        type='mmsona.SONAResNet',
        # 0-based stages followed by SONA: 1 = after layer2, 2 = after layer3.
        sona_stages=(1, 2),
        sona_cfg=dict(reduction=4, normalize='softmax')))
