"""The synthetic re-ID benchmark, written in the Market1501 layout."""
from .attributes import IdentityAttributes, identity_groups, sample_identities
from .layout import SyntheticPlan, plan_benchmark
from .presets import SYNTHETIC_PRESETS, SyntheticPreset, get_preset
from .writer import (MARKER_FILE, generate_synthetic_reid,
                     is_synthetic_complete, read_synthetic_marker)

__all__ = [
    'IdentityAttributes', 'identity_groups', 'sample_identities',
    'SyntheticPlan', 'plan_benchmark', 'SYNTHETIC_PRESETS', 'SyntheticPreset',
    'get_preset', 'MARKER_FILE', 'generate_synthetic_reid',
    'is_synthetic_complete', 'read_synthetic_marker'
]
