"""Batch-hard triplet loss against a brute-force reference."""
import math

import pytest
import torch

from mmsona.models import TripletLoss


def brute_force_triplet(feats, labels, margin):
    """Per-anchor loops over every other sample."""
    n = feats.shape[0]
    losses = []
    for a in range(n):
        pos, neg = [], []
        for j in range(n):
            d = math.sqrt(
                sum((float(feats[a, k]) - float(feats[j, k]))**2
                    for k in range(feats.shape[1])))
            (pos if labels[j] == labels[a] else neg).append(d)
        if not neg:
            continue
        diff = max(pos) - min(neg)
        losses.append(
            math.log1p(math.exp(diff)) if margin is
            None else max(0.0, diff + margin))
    return sum(losses) / len(losses)


@pytest.mark.parametrize('margin', [None, 0.3, 1.0])
def test_matches_brute_force(margin):
    torch.manual_seed(0)
    feats = torch.randn(12, 5, dtype=torch.float64)
    labels = torch.tensor([0, 0, 0, 1, 1, 2, 2, 2, 2, 3, 3, 4])
    loss = TripletLoss(margin=margin)(feats, labels)
    assert loss.item() == pytest.approx(
        brute_force_triplet(feats, labels, margin), abs=1e-9)


def test_normalised_features_and_weight():
    torch.manual_seed(1)
    feats = torch.randn(8, 4, dtype=torch.float64)
    labels = torch.tensor([0, 0, 1, 1, 2, 2, 3, 3])
    normed = feats / feats.norm(dim=1, keepdim=True)
    loss = TripletLoss(normalize_feature=True, loss_weight=2.0)(feats, labels)
    assert loss.item() == pytest.approx(
        2.0 * brute_force_triplet(normed, labels, None), abs=1e-9)


def test_gradients_are_finite_with_duplicate_features():
    feats = torch.ones(4, 3, requires_grad=True)
    labels = torch.tensor([0, 0, 1, 1])
    TripletLoss()(feats, labels).backward()
    assert torch.isfinite(feats.grad).all()


def test_single_identity_batch_gives_zero_loss():
    feats = torch.randn(4, 3, requires_grad=True)
    loss = TripletLoss()(feats, torch.zeros(4, dtype=torch.long))
    assert loss.item() == 0.0
    loss.backward()
