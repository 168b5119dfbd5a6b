"""Pure tensor code for re-ID evaluation."""
from .attention_mass import attention_mass, chance_mass, part_fractions
from .distance import PairwiseDistance, compute_distance
from .gallery_index import GalleryIndex
from .inputs import RankingOptions
from .match_ranks import positive_ranks
from .query_expansion import query_expansion
from .rank_metrics import (evaluate_distance_rows, evaluate_features,
                           evaluate_rank)
from .re_ranking import KReciprocalReRanker, re_ranking
from .reference import reference_evaluate
from .sharded import GalleryShard, evaluate_gallery_shard, evaluate_sharded
from .single_shot import SingleShotCMC

__all__ = [
    'compute_distance', 'PairwiseDistance', 'GalleryIndex', 'RankingOptions',
    'positive_ranks', 'evaluate_rank', 'evaluate_features',
    'evaluate_distance_rows', 'reference_evaluate', 'SingleShotCMC',
    'GalleryShard', 'evaluate_sharded', 'evaluate_gallery_shard', 're_ranking',
    'KReciprocalReRanker', 'query_expansion', 'attention_mass', 'chance_mass',
    'part_fractions'
]
