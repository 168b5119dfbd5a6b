# BFE + dilation + DropBlock+ (variable block height), no SONA.
_base_ = './bfe_r50-dilated_cuhk03-detected.py'

model = dict(head=dict(dropblock=dict(h_range=(0.1, 0.5))))
