# Mirrors configs/_base_/datasets/market1501.py in pure Python.
# Market-1501 at 384 x 128, P x K identity sampling (batch size is per GPU).
from mmcv.transforms import RandomFlip, Resize
from mmengine.dataset import DefaultSampler, default_collate
from mmpretrain.datasets.transforms import RandomCrop

from mmsona.datasets import (IdentitySampler, LoadReIDImage, Market1501,
                             PackReIDInputs, RandomSquareErase)
from mmsona.evaluation import ReIDMetric

dataset_type = Market1501
data_root = 'data/market1501'
img_scale = (128, 384)  # (w, h)

train_pipeline = [
    dict(type=LoadReIDImage),
    dict(type=Resize, scale=img_scale),
    dict(type=RandomFlip, prob=0.5, direction='horizontal'),
    dict(type=RandomCrop, crop_size=(384, 128), padding=10),
    # Cutout: one 64 x 64 square zeroed with probability 0.5.
    dict(type=RandomSquareErase, size=64, prob=0.5),
    dict(type=PackReIDInputs),
]
test_pipeline = [
    dict(type=LoadReIDImage),
    dict(type=Resize, scale=img_scale),
    dict(type=PackReIDInputs),
]

# Every image of a batch has the same size: default_collate stacks them in
# the workers (the main process then receives one tensor, not 32), and
# pinned memory lets the preprocessor copy the batch to the GPU without
# waiting.
train_dataloader = dict(
    batch_size=32,  # per GPU: 8 identities x 4 images
    num_workers=4,
    persistent_workers=True,
    pin_memory=True,
    collate_fn=dict(type=default_collate),
    drop_last=True,
    sampler=dict(type=IdentitySampler, num_instances=4),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=True,
    pin_memory=True,
    collate_fn=dict(type=default_collate),
    sampler=dict(type=DefaultSampler, shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='test',
        pipeline=test_pipeline))
val_evaluator = dict(type=ReIDMetric, metric='euclidean')

test_dataloader = val_dataloader
test_evaluator = val_evaluator
