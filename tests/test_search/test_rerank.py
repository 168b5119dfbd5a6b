"""rerank_candidates: k-reciprocal re-ranking of a candidate pool."""
import numpy as np
import torch
from search_helpers import clustered_features  # noqa: I100

from mmsona.evaluation.functional import re_ranking
from mmsona.search import rerank_candidates


def test_rerank_over_a_pool_covering_the_gallery_is_full_re_ranking():
    feats, query = clustered_features(60, 5, 8, 12, seed=6)
    candidates = np.tile(np.arange(60), (5, 1))
    dist, idx = rerank_candidates(query, feats, candidates, topk=7)
    full = re_ranking(torch.from_numpy(query), torch.from_numpy(feats))
    order = np.argsort(full.numpy(), axis=1, kind='stable')[:, :7]
    assert (idx == order).all()
    np.testing.assert_allclose(
        dist, np.take_along_axis(full.numpy(), order, 1), atol=1e-5)
    # A pool of a few candidates: only they are ranked.
    few = np.array([[3, 9, -1], [9, 20, 3], [1, 2, 3], [3, 4, 5], [5, 6, 7]])
    idx = rerank_candidates(query, feats, few, topk=10)[1]
    assert idx.shape == (5, 9) and set(
        idx.ravel()) == {1, 2, 3, 4, 5, 6, 7, 9, 20}
