# + DropBlock+: the dropped stripe's height is drawn per step in [0.1, 0.5].
_base_ = './_base_/synthetic_hard.py'

model = dict(head=dict(dropblock=dict(h_range=(0.1, 0.5))))
