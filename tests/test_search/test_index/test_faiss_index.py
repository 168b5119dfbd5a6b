"""Faiss indexes: the flat index is exact, the approximate ones reach a
recall@10 of 0.95 on re-ID-like features."""
import numpy as np
import pytest
from search_helpers import clustered_features  # noqa: I100

from mmsona.search import ExactIndex, build_index


@pytest.mark.parametrize('metric', ['euclidean', 'cosine'])
def test_faiss_flat_returns_the_exact_top_k(metric):
    pytest.importorskip('faiss')
    feats, query = clustered_features(3000, 40, 48, 300, seed=1)
    exact = ExactIndex(metric)
    exact.add(feats)
    flat = build_index('faiss-flat', metric)
    flat.add(feats)
    e_dist, e_idx = exact.search(query, 10)
    f_dist, f_idx = flat.search(query, 10)
    assert (f_idx == e_idx).all()
    np.testing.assert_allclose(f_dist, e_dist, atol=1e-3)


@pytest.mark.slow
@pytest.mark.parametrize('index_type', ['faiss-ivf', 'faiss-hnsw'])
@pytest.mark.parametrize('metric', ['euclidean', 'cosine'])
def test_approximate_faiss_indexes_reach_recall_095(index_type, metric):
    pytest.importorskip('faiss')
    feats, query = clustered_features(8000, 200, 64, 800, seed=3)
    exact = ExactIndex(metric)
    exact.add(feats)
    truth = exact.search(query, 10)[1]
    index = build_index(index_type, metric)
    index.add(feats)
    found = index.search(query, 10)[1]
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, truth)])
    assert recall >= 0.95, f'{index_type} recall@10 {recall:.3f}'
