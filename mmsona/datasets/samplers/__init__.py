"""Samplers."""
from .identity_sampler import IdentitySampler, check_identity_batch

__all__ = ['IdentitySampler', 'check_identity_batch']
