# CUHK03-NP labeled (767/700 protocol), Market-1501 recipe.
_base_ = './market1501.py'

dataset_type = 'CUHK03'
data_root = 'data/cuhk03'
train_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, subset='labeled'))
val_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, subset='labeled'))
test_dataloader = val_dataloader
