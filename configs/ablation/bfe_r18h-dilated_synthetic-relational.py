# The trunk: dilated BFE with its fixed Batch DropBlock, no attention, the
# reference of the difference columns. It is the family base unchanged.
_base_ = './_base_/synthetic_relational.py'
