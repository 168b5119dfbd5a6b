# mmsona's CPU SONA-Net recipe (configs/sona/sona_r18_synthetic.py: a
# ResNet-18 trunk from scratch, its schedule) on the synthetic vehicles of
# projects/vehicle_reid/tools/make_synthetic_vehicles.py (64 x 128 side
# views), read through ReIDFileList lists.
# A pure-Python config: its types are classes, so it builds under any
# default scope, and it parses in any interpreter (read_base imports mmsona).
from mmcv.transforms import RandomFlip, Resize
from mmengine.config import read_base
from mmpretrain.datasets.transforms import RandomCrop

from mmsona.datasets import (LoadReIDImage, PackReIDInputs, RandomSquareErase,
                             ReIDFileList)

with read_base():
    from ....mmsona.configs.sona.sona_r18_synthetic import *

data_root = 'data/synthetic_vehicles'
train_pipeline = [
    dict(type=LoadReIDImage),
    dict(type=Resize, scale=(128, 64)),
    dict(type=RandomFlip, prob=0.5, direction='horizontal'),
    dict(type=RandomCrop, crop_size=(64, 128), padding=4),
    dict(type=RandomSquareErase, size=20, prob=0.5),
    dict(type=PackReIDInputs),
]
test_pipeline = [
    dict(type=LoadReIDImage),
    dict(type=Resize, scale=(128, 64)),
    dict(type=PackReIDInputs),
]

# folder_to_filelist.py prints the number of training identities.
model.head.update(num_classes=120)
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
