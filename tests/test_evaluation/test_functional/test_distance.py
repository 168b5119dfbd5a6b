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
    torch.manual_seed(0)
    q, g = torch.randn(5, 3, dtype=torch.float64), torch.randn(4, 3)
    full = compute_distance(q, g)
    # One row is a matrix-vector product: BLAS may sum it in another order
    # than the matrix product, so equal to rounding, not bit for bit.
    torch.testing.assert_close(
        compute_distance(q, g, chunk_size=1), full, rtol=1e-12, atol=1e-12)
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


def test_gallery_terms_of_each_metric():
    """Cosine keeps unit gallery rows and no norms; Euclidean keeps the
    squared norms (which the re-ranking reads)."""
    g = torch.randn(6, 4, dtype=torch.float64)
    cosine = PairwiseDistance(g, 'cosine')
    assert cosine.gallery_sq is None
    torch.testing.assert_close(
        cosine.gallery.norm(dim=1), torch.ones(6, dtype=torch.float64))
    euclidean = PairwiseDistance(g)
    assert torch.equal(euclidean.gallery, g)
    assert torch.equal(euclidean.gallery_sq, g.pow(2).sum(1))


def test_distances_follow_the_features_not_the_default_device():
    """Under a meta default device CPU features give the CPU distances."""
    q, g = torch.randn(5, 3), torch.randn(4, 3)
    for metric in ('euclidean', 'cosine'):
        want = compute_distance(q, g, metric, chunk_size=2)
        with torch.device('meta'):
            got = compute_distance(q, g, metric, chunk_size=2)
        assert got.device == q.device and torch.equal(got, want)


class _RowsRead(torch.Tensor):
    """A tensor that records the row slices taken of it."""

    slices = []

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if func is torch.Tensor.__getitem__ and isinstance(args[1], slice):
            cls.slices.append(args[1])
        return super().__torch_function__(func, types, args, kwargs or {})


@pytest.mark.parametrize('num,block,want', [
    (8200, None, [(0, 8192), (8192, 8200)]),
    (7, 3, [(0, 3), (3, 6), (6, 7)]),
])
def test_squared_norms_reads_full_blocks_of_rows_once(num, block, want):
    """Blocks of ``block`` rows (8192 by default), each row read once."""
    feats = torch.randn(num, 2).as_subclass(_RowsRead)
    _RowsRead.slices.clear()
    out = squared_norms(feats) if block is None else squared_norms(
        feats, block)
    assert [s.indices(num)[:2] for s in _RowsRead.slices] == want
    plain = feats.as_subclass(torch.Tensor)
    assert torch.equal(out.as_subclass(torch.Tensor), plain.pow(2).sum(1))
