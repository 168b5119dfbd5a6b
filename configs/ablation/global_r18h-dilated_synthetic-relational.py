# A plain global-pooling baseline: the dilated trunk with BFE's global
# branch alone (no local branch, so no DropBlock), no attention.
_base_ = './_base_/synthetic_relational.py'

model = dict(head=dict(local_dim=0))
