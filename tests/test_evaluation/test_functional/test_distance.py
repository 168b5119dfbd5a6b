"""compute_distance against the definitions."""
import numpy as np
import pytest
import torch

from mmsona.evaluation.functional import PairwiseDistance, compute_distance
from mmsona.evaluation.functional.distance import squared_norms


def test_euclidean_and_cosine_definitions():
    rng = np.random.default_rng(0)
    q, g = rng.normal(size=(7, 5)), rng.normal(size=(11, 5))
    expected = np.sqrt(((q[:, None] - g[None])**2).sum(-1))
    np.testing.assert_allclose(
        compute_distance(q, g).numpy(), expected, atol=1e-12)
    qn = q / np.linalg.norm(q, axis=1, keepdims=True)
    gn = g / np.linalg.norm(g, axis=1, keepdims=True)
    np.testing.assert_allclose(
        compute_distance(q, g, 'cosine').numpy(), 1 - qn @ gn.T, atol=1e-12)
    squared = PairwiseDistance(torch.from_numpy(g), squared=True)
    np.testing.assert_allclose(
        squared(torch.from_numpy(q)).numpy(), expected**2, atol=1e-12)


def test_chunks_dtype_and_device_follow_query():
    q = torch.randn(10, 4)
    g = torch.randn(6, 4, dtype=torch.float64)
    full = compute_distance(q, g)
    assert full.dtype == torch.float32 and full.device == q.device
    torch.testing.assert_close(compute_distance(q, g, chunk_size=3), full)
    # Rounding never makes a distance negative or NaN.
    for metric in ('euclidean', 'cosine'):
        self_dist = compute_distance(q * 1e3, q * 1e3, metric)
        assert torch.isfinite(self_dist).all() and self_dist.min() >= 0


def test_bad_shapes_and_metric():
    with pytest.raises(ValueError, match='shapes'):
        compute_distance(torch.ones(2, 3), torch.ones(2, 4))
    with pytest.raises(ValueError, match='metric'):
        compute_distance(torch.ones(2, 3), torch.ones(2, 3), 'manhattan')
    with pytest.raises(ValueError, match='chunk_size'):
        compute_distance(torch.ones(2, 3), torch.ones(2, 3), chunk_size=-1)


def test_blocked_squared_norms_are_bitwise_the_plain_ones():
    feats = torch.randn(50, 33)
    for block in (1, 7, 64):
        assert torch.equal(squared_norms(feats, block), feats.pow(2).sum(1))


def test_one_row_chunks_and_bad_chunk_sizes():
    q, g = torch.randn(5, 3, dtype=torch.float64), torch.randn(4, 3)
    full = compute_distance(q, g)
    assert torch.equal(compute_distance(q, g, chunk_size=1), full)
    assert torch.equal(compute_distance(q, g, chunk_size=0), full)
    with pytest.raises(ValueError, match='chunk_size must be positive'):
        compute_distance(q, g, chunk_size=-1)


def test_integer_gallery_and_a_query_of_another_dtype():
    g = torch.tensor([[0, 3], [4, 0]])
    dist_fn = PairwiseDistance(g)
    assert dist_fn.gallery.dtype == torch.float64
    got = dist_fn(torch.tensor([[0.0, 0.0]]))
    assert got.dtype == torch.float64
    assert torch.equal(got, torch.tensor([[3.0, 4.0]], dtype=torch.float64))
