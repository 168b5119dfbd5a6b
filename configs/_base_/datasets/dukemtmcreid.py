# DukeMTMC-reID (702 training identities, 8 cameras), Market-1501 recipe.
_base_ = './market1501.py'

dataset_type = 'DukeMTMCreID'
data_root = 'data/dukemtmc-reid'
train_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
test_dataloader = val_dataloader
