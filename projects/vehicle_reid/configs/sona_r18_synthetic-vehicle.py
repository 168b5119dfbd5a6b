# mmsona's CPU SONA-Net recipe (configs/sona/sona_r18_synthetic.py: a
# ResNet-18 trunk from scratch, its schedule) on the synthetic vehicles of
# projects/vehicle_reid/tools/make_synthetic_vehicles.py (64 x 128 side
# views), read through ReIDFileList lists.
_base_ = 'mmsona::sona/sona_r18_synthetic.py'

custom_imports = dict(imports=['mmsona'], allow_failed_imports=False)

data_root = 'data/synthetic_vehicles'
train_pipeline = [
    dict(type='LoadReIDImage'),
    dict(type='Resize', scale=(128, 64)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomCrop', crop_size=(64, 128), padding=4),
    dict(type='RandomSquareErase', size=20, prob=0.5),
    dict(type='PackReIDInputs'),
]
test_pipeline = [
    dict(type='LoadReIDImage'),
    dict(type='Resize', scale=(128, 64)),
    dict(type='PackReIDInputs'),
]

# folder_to_filelist.py prints the number of training identities.
model = dict(head=dict(num_classes=120))
# _delete_ drops the synthetic generator's arguments (size, seed), and with
# them the 'mmsona' scope MMEngine gave the inherited dict; _scope_ restores
# it so the dataset and its pipeline build under any default scope.
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        _scope_='mmsona',
        type='ReIDFileList',
        data_root=data_root,
        split='train',
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        _scope_='mmsona',
        type='ReIDFileList',
        data_root=data_root,
        split='test',
        pipeline=test_pipeline))
test_dataloader = val_dataloader
