# SONA-Net (SONA2+3 + DropBlock+, the full Market-1501 recipe) on vehicle
# re-ID data given as ReIDFileList lists, e.g. VeRi-776 (576 training
# vehicles) converted with projects/vehicle_reid/tools/folder_to_filelist.py.
# A pure-Python config: its types are classes, so it builds under any
# default scope, and it parses in any interpreter (read_base imports mmsona).
from mmcv.transforms import RandomFlip, Resize
from mmengine.config import read_base
from mmpretrain.datasets.transforms import RandomCrop

from mmsona.datasets import (LoadReIDImage, PackReIDInputs, RandomSquareErase,
                             ReIDFileList)

with read_base():
    from ....mmsona.configs.sona.sona_r50_market import *

data_root = 'data/vehicle_reid'
# Vehicles are about square: 256 x 256 instead of 384 x 128.
train_pipeline = [
    dict(type=LoadReIDImage),
    dict(type=Resize, scale=(256, 256)),
    dict(type=RandomFlip, prob=0.5, direction='horizontal'),
    dict(type=RandomCrop, crop_size=(256, 256), padding=10),
    dict(type=RandomSquareErase, size=64, prob=0.5),
    dict(type=PackReIDInputs),
]
test_pipeline = [
    dict(type=LoadReIDImage),
    dict(type=Resize, scale=(256, 256)),
    dict(type=PackReIDInputs),
]

model.head.update(num_classes=576)
train_dataloader.dataset = dict(
    type=ReIDFileList,
    data_root=data_root,
    split='train',
    pipeline=train_pipeline)
val_dataloader.dataset = dict(
    type=ReIDFileList,
    data_root=data_root,
    split='test',
    pipeline=test_pipeline)
test_dataloader = val_dataloader
