# SONA2+3-Net with DropBlock+ on duke.
_base_ = [
    '../_base_/models/sona_r50.py', '../_base_/datasets/dukemtmcreid.py',
    '../_base_/schedules/adam_400e.py', '../_base_/default_runtime.py'
]

model = dict(head=dict(num_classes=702))
