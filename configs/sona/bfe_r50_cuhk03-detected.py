# BFE baseline on cuhk03-detected.
_base_ = [
    '../_base_/models/bfe_r50.py', '../_base_/datasets/cuhk03_detected.py',
    '../_base_/schedules/adam_400e.py', '../_base_/default_runtime.py'
]

model = dict(head=dict(num_classes=767))
