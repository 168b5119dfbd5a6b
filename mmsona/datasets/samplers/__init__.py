"""Samplers, and the sample keys that seed each sample's augmentation."""
from .identity_sampler import IdentitySampler, check_identity_batch
from .sample_key import (SampledIndex, sample_key_seed,
                         seed_generators_for_sample)

__all__ = [
    'IdentitySampler', 'check_identity_batch', 'SampledIndex',
    'sample_key_seed', 'seed_generators_for_sample'
]
