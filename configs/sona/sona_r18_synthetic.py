# SONA-Net (SONA2+3 + DropBlock+, the bases of sona_r50_market.py) shrunk
# for 2 CPU cores: a ResNet-18 trunk trained from scratch at 128 x 64 on the
# embedded synthetic benchmark.
# The trunk is dilated as in the paper (output stride 8, a 16 x 8 map).
_base_ = [
    '../_base_/models/sona_r50.py', '../_base_/datasets/market1501.py',
    '../_base_/schedules/adam_400e.py', '../_base_/default_runtime.py'
]

model = dict(
    backbone=dict(depth=18, init_cfg=None),
    head=dict(in_channels=512, num_classes=128))

data_root = 'data/synthetic_reid'
train_pipeline = [
    dict(type='LoadReIDImage'),
    dict(type='Resize', scale=(64, 128)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomCrop', crop_size=(128, 64), padding=4),
    dict(type='RandomSquareErase', size=20, prob=0.5),
    dict(type='PackReIDInputs'),
]
test_pipeline = [
    dict(type='LoadReIDImage'),
    dict(type='Resize', scale=(64, 128)),
    dict(type='PackReIDInputs'),
]
# Generated on first use if missing (tools/misc/make_synthetic_reid.py).
synthetic = dict(
    type='SyntheticReID', data_root=data_root, size='demo', seed=0)
# Trained on the CPU: nothing to pin memory for (PyTorch would warn).
train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    pin_memory=False,
    dataset=dict(synthetic, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64,
    num_workers=2,
    pin_memory=False,
    dataset=dict(synthetic, pipeline=test_pipeline))
test_dataloader = val_dataloader

optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [
    dict(type='StepWarmupLR', start_factor=0.25, step_size=1, begin=0, end=4),
    dict(type='MultiStepLR', milestones=[16], gamma=0.1, begin=0, end=20),
]
# One epoch visits every identity once (128 x 4 images, 16 iterations).
train_cfg = dict(max_epochs=20, val_interval=20)
default_hooks = dict(logger=dict(interval=16), checkpoint=dict(interval=20))
