# A plain global-pooling baseline: the dilated trunk with BFE's global
# branch alone (average pooling, 1x1 reduction, classifier); no local
# branch, so no DropBlock, and no SONA.
_base_ = './_base_/synthetic_hard.py'

model = dict(head=dict(local_dim=0))
