"""Batch-hard triplet loss against a brute-force reference."""
import math

import pytest
import torch

from mmsona.models import TripletLoss
from mmsona.models.losses.triplet_loss import pairwise_euclidean


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


def large_norm_batch():
    """P x K = 8 x 4 batch of 1024-d post-ReLU features at RMS 12: squared
    norms about 1.4e5, above float16's largest value 65504."""
    gen = torch.Generator().manual_seed(0)
    labels = torch.arange(8).repeat_interleave(4)
    feats = torch.relu(
        torch.rand(1024, generator=gen) +
        0.2 * torch.randn(8, 1024, generator=gen)[labels] +
        0.5 * torch.randn(32, 1024, generator=gen))
    return feats * (12 / feats.pow(2).mean().sqrt()), labels


@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
def test_autocast_keeps_the_distances_in_float32(dtype):
    feats, labels = large_norm_batch()
    loss = TripletLoss()
    ref = loss(feats, labels)
    assert 0.5 < ref.item() < 1.0  # far from log 2 = 0.693 (no collapse)
    with torch.autocast('cpu', dtype=dtype):
        got = loss(feats, labels)
        # Features that the network produced in half precision: the
        # float32 loss of the same values.
        got_half = loss(feats.to(dtype), labels)
    assert abs(got.item() - ref.item()) < 1e-3
    assert got_half.item() == loss(feats.to(dtype).float(), labels).item()


@pytest.mark.parametrize('margin', [None, 0.3])
def test_no_host_device_synchronisation(margin):
    from sync_helpers import host_syncs
    feats = torch.randn(16, 8, requires_grad=True)
    labels = torch.arange(4).repeat_interleave(4)
    loss = TripletLoss(margin=margin)

    def step():
        loss(feats, labels).backward()
        loss(feats, torch.zeros(16, dtype=torch.long)).backward()

    assert host_syncs(step) == []


def test_loss_stays_on_the_features_device():
    """Every tensor the loss makes lives on the features' device (``meta``
    stands in for a GPU, where a CPU tensor in the mix fails)."""
    feats = torch.randn(6, 3, device='meta')
    labels = torch.tensor([0, 0, 1, 1, 2, 2], device='meta')
    assert pairwise_euclidean(feats).device.type == 'meta'
    assert TripletLoss()(feats, labels).device.type == 'meta'
