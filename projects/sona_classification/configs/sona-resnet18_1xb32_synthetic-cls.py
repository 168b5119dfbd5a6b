# resnet18_1xb32_synthetic-cls.py with SONA blocks after layer2 and layer3
# (SONA2+3): the same classifier, data, schedule and seed.
_base_ = './resnet18_1xb32_synthetic-cls.py'

custom_imports = dict(imports=['mmsona'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        type='mmsona.SONAResNet',
        sona_stages=(1, 2),
        sona_cfg=dict(reduction=4, normalize='softmax')))
