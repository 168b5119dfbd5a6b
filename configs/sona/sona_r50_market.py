# SONA2+3-Net with DropBlock+ on Market-1501: the paper's full model.
_base_ = [
    '../_base_/models/sona_r50.py', '../_base_/datasets/market1501.py',
    '../_base_/schedules/adam_400e.py', '../_base_/default_runtime.py'
]
