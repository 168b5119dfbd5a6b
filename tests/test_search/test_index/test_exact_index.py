"""ExactIndex: the top k of a full sort of the distances, ties by index."""
import numpy as np
import pytest
import torch

from mmsona.evaluation.functional import compute_distance
from mmsona.search import ExactIndex


def naive_topk(query, gallery, k, metric):
    """Top-k by a full sort of the distance matrix, ties by index."""
    dist = compute_distance(
        torch.as_tensor(query, dtype=torch.float64),
        torch.as_tensor(gallery, dtype=torch.float64),
        metric=metric).numpy()
    order = np.argsort(dist, axis=1, kind='stable')[:, :k]
    return np.take_along_axis(dist, order, 1), order


@pytest.mark.parametrize('metric', ['euclidean', 'cosine'])
def test_exact_index_equals_a_full_sort(metric):
    rng = np.random.default_rng(0)
    gallery = rng.standard_normal((301, 16)).astype(np.float32)
    gallery[200] = gallery[100]  # a duplicate: ties go by index
    query = np.concatenate(
        [gallery[100:101],
         rng.standard_normal((12, 16)).astype(np.float32)])
    # Tiny blocks: many query blocks and gallery chunks to merge.
    index = ExactIndex(metric, block_elements=97)
    index.add(gallery)
    dist, idx = index.search(query, 10)
    ref_d, ref_i = naive_topk(query, gallery, 10, metric)
    assert dist.shape == idx.shape == (13, 10)
    assert (idx == ref_i).all()
    assert idx[0, 0] == 100 and idx[0, 1] == 200
    np.testing.assert_allclose(dist, ref_d, atol=2e-3)
    # More neighbours than gallery items: all of them.
    assert index.search(query[:2], 1000)[1].shape == (2, 301)
