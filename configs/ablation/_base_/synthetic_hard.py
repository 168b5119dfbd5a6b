# The base of the ablation grid on the hard synthetic benchmark, sized for
# 2 CPU cores: ResNet-18 from scratch at 64 x 32 (8 x 4 maps at output
# stride 8), the demo preset in hard mode (identities told apart only by
# combinations of distant parts), 24 epochs. At this budget more epochs
# helped more than a larger input (docs/ablation.md).
# The model is the grid's trunk and reference: dilated BFE (output stride
# 8), its fixed Batch DropBlock, no SONA. Every `*_synthetic-hard.py`
# config of configs/ablation/ inherits this file and changes one thing; run
# them all with `make ablation` (docs/ablation.md).
_base_ = '../../sona/sona_r18_synthetic.py'

model = dict(
    backbone=dict(
        strides=(1, 2, 1, 1), dilations=(1, 1, 2, 4), sona_stages=()),
    head=dict(dropblock=dict(h_range=(0.33, 0.33), w_range=(1.0, 1.0))))

train_pipeline = [
    dict(type='LoadReIDImage'),
    dict(type='Resize', scale=(32, 64)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomCrop', crop_size=(64, 32), padding=2),
    dict(type='RandomSquareErase', size=10, prob=0.5),
    dict(type='PackReIDInputs'),
]
test_pipeline = [
    dict(type='LoadReIDImage'),
    dict(type='Resize', scale=(32, 64)),
    dict(type='PackReIDInputs'),
]
# Loading in the training process keeps runs deterministic and leaves the
# second core to a second run of the grid.
synthetic = dict(data_root='data/synthetic_reid_hard', difficulty='hard')
train_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(synthetic, pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(synthetic, pipeline=test_pipeline))
test_dataloader = val_dataloader

param_scheduler = [
    dict(type='StepWarmupLR', start_factor=0.25, step_size=1, begin=0, end=4),
    dict(type='MultiStepLR', milestones=[20], gamma=0.1, begin=0, end=24),
]
train_cfg = dict(max_epochs=24, val_interval=24)
default_hooks = dict(checkpoint=dict(interval=24, max_keep_ckpts=1))
randomness = dict(seed=0, deterministic=True)
