# SONA2+3-Net with DropBlock+ on cuhk03-labeled.
_base_ = [
    '../_base_/models/sona_r50.py', '../_base_/datasets/cuhk03_labeled.py',
    '../_base_/schedules/adam_400e.py', '../_base_/default_runtime.py'
]

model = dict(head=dict(num_classes=767))
