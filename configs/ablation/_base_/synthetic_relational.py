# The base of the ablation grid on the relational probe, sized for 2 CPU
# cores: a half-width ResNet-18 (32 stem and base channels) from scratch at
# 128 x 64, dilated (16 x 8 maps from layer2 on), the probe preset (60
# training and 60 test identities, 14 to 18 images each) in relational
# mode: groups of three identities that share every attribute and differ
# only in which two of hat, belt and shoes share a colour, redrawn for every
# image (docs/datasets.md). One schedule for every variant: 40 epochs of 7
# iterations (the loader drops the last incomplete P x K batch).
# The model is the grid's trunk and reference: dilated BFE with its fixed
# Batch DropBlock, no attention. Every `*_synthetic-relational.py` config of
# configs/ablation/ inherits this file and changes one thing; run them all
# with `make ablation-relational` (docs/ablation.md).
_base_ = '../../sona/sona_r18_synthetic.py'

model = dict(
    backbone=dict(
        stem_channels=32,
        base_channels=32,
        strides=(1, 2, 1, 1),
        dilations=(1, 1, 2, 4),
        sona_stages=()),
    head=dict(
        in_channels=256,
        dropblock=dict(h_range=(0.33, 0.33), w_range=(1.0, 1.0))))

# Loading in the training process keeps runs deterministic and leaves the
# second core to a second run of the grid.
synthetic = dict(
    data_root='data/synthetic_reid_relational',
    size='probe',
    difficulty='relational')
train_dataloader = dict(
    num_workers=0, persistent_workers=False, dataset=synthetic)
val_dataloader = dict(
    num_workers=0, persistent_workers=False, dataset=synthetic)
test_dataloader = val_dataloader

param_scheduler = [
    dict(type='StepWarmupLR', start_factor=0.25, step_size=1, begin=0, end=4),
    dict(type='MultiStepLR', milestones=[32], gamma=0.1, begin=0, end=40),
]
train_cfg = dict(max_epochs=40, val_interval=40)
default_hooks = dict(
    logger=dict(interval=8), checkpoint=dict(interval=40, max_keep_ckpts=1))
randomness = dict(seed=0, deterministic=True)
