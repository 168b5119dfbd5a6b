# + DropBlock+: the dropped stripe's height is drawn per step in [0.1, 0.5].
_base_ = './bfe_r18h-dilated_synthetic-relational.py'

model = dict(head=dict(dropblock=dict(h_range=(0.1, 0.5))))
