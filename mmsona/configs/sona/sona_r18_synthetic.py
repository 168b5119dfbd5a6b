# Mirrors configs/sona/sona_r18_synthetic.py in pure Python.
# SONA-Net (SONA2+3 + DropBlock+, the bases of sona_r50_market.py) shrunk
# for 2 CPU cores: a ResNet-18 trunk trained from scratch at 128 x 64 on the
# embedded synthetic benchmark.
# The trunk is dilated as in the paper (output stride 8, a 16 x 8 map).
from mmcv.transforms import RandomFlip, Resize
from mmengine.config import read_base
from mmengine.optim import MultiStepLR
from mmpretrain.datasets.transforms import RandomCrop

from mmsona.datasets import (LoadReIDImage, PackReIDInputs, RandomSquareErase,
                             SyntheticReID)
from mmsona.engine.schedulers import StepWarmupLR

with read_base():
    from .._base_.datasets.market1501 import *
    from .._base_.default_runtime import *
    from .._base_.models.sona_r50 import *
    from .._base_.schedules.adam_400e import *

model.backbone.update(depth=18, init_cfg=None)
model.head.update(in_channels=512, num_classes=128)

data_root = 'data/synthetic_reid'
train_pipeline = [
    dict(type=LoadReIDImage),
    dict(type=Resize, scale=(64, 128)),
    dict(type=RandomFlip, prob=0.5, direction='horizontal'),
    dict(type=RandomCrop, crop_size=(128, 64), padding=4),
    dict(type=RandomSquareErase, size=20, prob=0.5),
    dict(type=PackReIDInputs),
]
test_pipeline = [
    dict(type=LoadReIDImage),
    dict(type=Resize, scale=(64, 128)),
    dict(type=PackReIDInputs),
]
# Generated on first use if missing (tools/misc/make_synthetic_reid.py).
synthetic = dict(type=SyntheticReID, data_root=data_root, size='demo', seed=0)
# Trained on the CPU: nothing to pin memory for (PyTorch would warn).
train_dataloader.update(
    batch_size=32,
    num_workers=2,
    pin_memory=False,
    dataset=dict(synthetic, pipeline=train_pipeline))
val_dataloader.update(
    batch_size=64,
    num_workers=2,
    pin_memory=False,
    dataset=dict(synthetic, pipeline=test_pipeline))
test_dataloader = val_dataloader

optim_wrapper.optimizer.update(lr=1e-3)
param_scheduler = [
    dict(type=StepWarmupLR, start_factor=0.25, step_size=1, begin=0, end=4),
    dict(type=MultiStepLR, milestones=[16], gamma=0.1, begin=0, end=20),
]
# One epoch visits every identity once (128 x 4 images, 16 iterations).
train_cfg.update(max_epochs=20, val_interval=20)
default_hooks.logger.update(interval=16)
default_hooks.checkpoint.update(interval=20)
