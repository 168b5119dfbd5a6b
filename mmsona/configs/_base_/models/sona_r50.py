# Mirrors configs/_base_/models/sona_r50.py in pure Python.
# SONA-Net (SONA2+3 + DropBlock+) on a dilated ImageNet ResNet-50.
from mmsona.models import (DropBlockPlus, DualBranchHead, LabelSmoothLoss,
                           ReIDDataPreprocessor, ReIDNet, SONAResNet,
                           TripletLoss)

model = dict(
    type=ReIDNet,
    # Normalises on the device; copies images and labels without waiting.
    data_preprocessor=dict(
        type=ReIDDataPreprocessor,
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True),
    backbone=dict(
        type=SONAResNet,
        depth=50,
        # layer3 and layer4 dilated, output stride 8 (48 x 16 at 384 x 128).
        strides=(1, 2, 1, 1),
        dilations=(1, 1, 2, 4),
        out_indices=(3, ),
        # 0-based stages followed by SONA: 1 = after layer2, 2 = after layer3.
        sona_stages=(1, 2),
        sona_cfg=dict(reduction=4, normalize='softmax'),
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')),
    head=dict(
        type=DualBranchHead,
        in_channels=2048,
        num_classes=751,
        global_dim=512,
        local_dim=1024,
        dropblock=dict(
            type=DropBlockPlus, h_range=(0.1, 0.5), w_range=(1.0, 1.0)),
        triplet_loss=dict(type=TripletLoss, margin=None, loss_weight=1.0),
        cls_loss=dict(
            type=LabelSmoothLoss, label_smooth_val=0.1, loss_weight=1.0)),
    test_flip=False)
