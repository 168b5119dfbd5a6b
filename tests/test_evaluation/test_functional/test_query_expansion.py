"""alpha-QE against a per-item loop."""
import numpy as np
import pytest
import torch

from mmsona.evaluation.functional import query_expansion


def _reference(q, g, k, alpha, expand_gallery):
    q = q / np.linalg.norm(q, axis=1, keepdims=True)
    g = g / np.linalg.norm(g, axis=1, keepdims=True)

    def expand(x, exclude):
        out = []
        for i, row in enumerate(x):
            sims = g @ row
            order = [
                j for j in np.argsort(-sims, kind='stable')
                if not (exclude and j == i)
            ][:k]
            new = row + sum(max(sims[j], 0)**alpha * g[j] for j in order)
            out.append(new / np.linalg.norm(new))
        return np.array(out)

    return expand(q, False), expand(g, True) if expand_gallery else g


@pytest.mark.parametrize('k,alpha,expand_gallery', [(3, 3.0, True),
                                                    (1, 1.0, False),
                                                    (50, 0.5, True),
                                                    (0, 3.0, True)])
def test_matches_reference(k, alpha, expand_gallery):
    rng = np.random.default_rng(k)
    q, g = rng.normal(size=(9, 6)), rng.normal(size=(20, 6))
    new_q, new_g = query_expansion(
        torch.from_numpy(q),
        torch.from_numpy(g),
        k,
        alpha,
        expand_gallery,
        chunk_size=4)
    ref_q, ref_g = _reference(q, g, k, alpha, expand_gallery)
    np.testing.assert_allclose(new_q.numpy(), ref_q, atol=1e-10)
    np.testing.assert_allclose(new_g.numpy(), ref_g, atol=1e-10)
    np.testing.assert_allclose(new_q.norm(dim=1).numpy(), np.ones(9))


def test_expansion_pulls_a_query_towards_its_neighbours():
    g = torch.eye(4, dtype=torch.float64)
    q = torch.tensor([[1.0, 0.6, 0.0, 0.0]], dtype=torch.float64)
    new_q, _ = query_expansion(q, g, k=1, alpha=1.0)
    assert new_q[0, 0] > torch.nn.functional.normalize(q, dim=1)[0, 0]
    assert new_q[0, 2] == 0 and new_q[0, 3] == 0


def test_every_gallery_item_and_weight_zero():
    """k as large as the gallery with alpha 0 (every weight 1): a query
    adds the whole gallery, a gallery item every other item (its own
    similarity is masked, never weighted in)."""
    rng = np.random.default_rng(5)
    q, g = rng.normal(size=(4, 3)), rng.normal(size=(6, 3))
    new_q, new_g = query_expansion(
        torch.from_numpy(q), torch.from_numpy(g), k=6, alpha=0.0)
    ref_q, ref_g = _reference(q, g, 6, 0.0, True)
    np.testing.assert_allclose(new_q.numpy(), ref_q, atol=1e-10)
    np.testing.assert_allclose(new_g.numpy(), ref_g, atol=1e-10)


def test_defaults_and_argument_checks():
    rng = np.random.default_rng(6)
    q = torch.from_numpy(rng.normal(size=(5, 4)))
    g = torch.from_numpy(rng.normal(size=(12, 4)))
    got = query_expansion(q, g)
    ref = _reference(q.numpy(), g.numpy(), 5, 3.0, True)
    for a, b in zip(got, ref):
        np.testing.assert_allclose(a.numpy(), b, atol=1e-10)
    for k, alpha in ((-1, 3.0), (5, -0.5)):
        with pytest.raises(ValueError, match='k and alpha'):
            query_expansion(q, g, k=k, alpha=alpha)


def test_expanded_features_stay_on_the_features_device():
    """``meta`` tensors stand in for a GPU."""
    q, g = query_expansion(
        torch.randn(3, 4, device='meta'),
        torch.randn(7, 4, device='meta'),
        k=2)
    assert q.device.type == g.device.type == 'meta'
