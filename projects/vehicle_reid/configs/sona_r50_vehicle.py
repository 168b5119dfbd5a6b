# SONA-Net (SONA2+3 + DropBlock+, the full Market-1501 recipe) on vehicle
# re-ID data given as ReIDFileList lists, e.g. VeRi-776 (576 training
# vehicles) converted with projects/vehicle_reid/tools/folder_to_filelist.py.
_base_ = 'mmsona::sona/sona_r50_market.py'

custom_imports = dict(imports=['mmsona'], allow_failed_imports=False)

data_root = 'data/vehicle_reid'
# Vehicles are about square: 256 x 256 instead of 384 x 128.
train_pipeline = [
    dict(type='LoadReIDImage'),
    dict(type='Resize', scale=(256, 256)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomCrop', crop_size=(256, 256), padding=10),
    dict(type='RandomSquareErase', size=64, prob=0.5),
    dict(type='PackReIDInputs'),
]
test_pipeline = [
    dict(type='LoadReIDImage'),
    dict(type='Resize', scale=(256, 256)),
    dict(type='PackReIDInputs'),
]

model = dict(head=dict(num_classes=576))
train_dataloader = dict(
    dataset=dict(
        type='ReIDFileList', data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        type='ReIDFileList', data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
