"""Heads."""
from .dual_branch_head import DualBranchHead

__all__ = ['DualBranchHead']
