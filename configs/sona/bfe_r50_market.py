# BFE baseline on Market-1501 (stride-16 trunk, Batch DropBlock, no SONA).
_base_ = [
    '../_base_/models/bfe_r50.py', '../_base_/datasets/market1501.py',
    '../_base_/schedules/adam_400e.py', '../_base_/default_runtime.py'
]
