"""The synthetic re-ID benchmark, written in the Market1501 layout."""
from .attributes import (DIFFICULTIES, RELATIONAL_PARTS, RELATIONS,
                         IdentityAttributes, identity_groups,
                         sample_identities)
from .layout import SyntheticPlan, plan_benchmark
from .presets import SYNTHETIC_PRESETS, SyntheticPreset, get_preset
from .reference_rankings import (EvaluationLists, decode_relation,
                                 evaluation_lists, group_blind_distances,
                                 part_oracle_distances)
from .render import PART_LABELS, render_person_with_parts
from .writer import (MARKER_FILE, generate_synthetic_reid,
                     is_synthetic_complete, read_synthetic_marker)

__all__ = [
    'DIFFICULTIES', 'RELATIONAL_PARTS', 'RELATIONS', 'IdentityAttributes',
    'identity_groups', 'sample_identities', 'SyntheticPlan', 'plan_benchmark',
    'SYNTHETIC_PRESETS', 'SyntheticPreset', 'get_preset', 'EvaluationLists',
    'decode_relation', 'group_blind_distances', 'part_oracle_distances',
    'evaluation_lists', 'PART_LABELS', 'render_person_with_parts',
    'MARKER_FILE', 'generate_synthetic_reid', 'is_synthetic_complete',
    'read_synthetic_marker'
]
