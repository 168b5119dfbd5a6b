# The full model: SONA2+3 + DropBlock+ on the dilated trunk.
_base_ = './sona23_r18-dilated_synthetic-hard.py'

model = dict(head=dict(dropblock=dict(h_range=(0.1, 0.5))))
