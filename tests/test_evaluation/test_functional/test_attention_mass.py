import numpy as np
import pytest
import torch

from mmsona.evaluation.functional import (attention_mass, chance_mass,
                                          part_fractions)


def _naive_mass(attn, source, target):
    out = []
    for a, s, t in zip(attn.tolist(), source.tolist(), target.tolist()):
        total = sum(s)
        if total == 0:
            out.append(float('nan'))
            continue
        rows = [
            sum(a[i][j] * t[j] for j in range(len(t))) for i in range(len(s))
        ]
        out.append(sum(si * r for si, r in zip(s, rows)) / total)
    return out


def test_hand_built_map():
    # Four cells; cell 0 (the source) attends 0.7 to cell 3 (the target)
    # and 0.3 to itself; the other rows are uniform.
    attn = torch.full((1, 4, 4), 0.25)
    attn[0, 0] = torch.tensor([0.3, 0.0, 0.0, 0.7])
    source = torch.tensor([[1.0, 0.0, 0.0, 0.0]])
    target = torch.tensor([[0.0, 0.0, 0.0, 1.0]])
    assert attention_mass(attn, source, target).item() == pytest.approx(0.7)
    assert chance_mass(target).item() == pytest.approx(0.25)
    # Half of the target cell is target area: half the mass.
    half = torch.tensor([[0.0, 0.0, 0.0, 0.5]])
    assert attention_mass(attn, source, half).item() == pytest.approx(0.35)
    # A source spread over cells 0 and 1 (weights 1 and 3) mixes the rows.
    spread = torch.tensor([[1.0, 3.0, 0.0, 0.0]])
    expected = (1 * 0.7 + 3 * 0.25) / 4
    assert attention_mass(attn, spread,
                          target).item() == pytest.approx(expected)


def test_against_naive_reference_and_no_source():
    gen = torch.Generator().manual_seed(0)
    attn = torch.rand(3, 6, 6, generator=gen).softmax(-1)
    source = torch.rand(3, 6, generator=gen)
    target = torch.rand(3, 6, generator=gen)
    source[2] = 0
    got = attention_mass(attn, source, target)
    ref = _naive_mass(attn, source, target)
    np.testing.assert_allclose(got[:2].numpy(), ref[:2], rtol=1e-6)
    assert torch.isnan(got[2]) and np.isnan(ref[2])
    with pytest.raises(ValueError, match='B x N x N'):
        attention_mass(attn[:, :5], source, target)
    with pytest.raises(ValueError, match='must be B x N'):
        attention_mass(attn, source[:, :5], target)


def test_part_fractions():
    labels = np.zeros((1, 4, 4), np.uint8)
    labels[0, 0, 0] = 1  # a quarter of the top-left 2 x 2 cell
    labels[0, 2:, 2:] = 2  # the whole bottom-right cell
    frac = part_fractions(labels, [1, 2], (2, 2))
    assert frac.shape == (1, 2, 4)
    np.testing.assert_allclose(frac[0, 0].numpy(), [0.25, 0, 0, 0])
    np.testing.assert_allclose(frac[0, 1].numpy(), [0, 0, 0, 1])
    with pytest.raises(ValueError, match='B x H x W'):
        part_fractions(labels[0], [1], (2, 2))


def test_chance_mass_is_per_image_and_shapes_are_checked():
    target = torch.tensor([[1.0, 0.0, 0.0, 1.0], [1.0, 1.0, 0.0, 1.0]])
    assert torch.equal(chance_mass(target), torch.tensor([0.5, 0.75]))
    attention = torch.full((2, 4, 4), 0.25)
    with pytest.raises(ValueError, match='must be B x N'):
        attention_mass(attention, target, target[:, :3])
    with pytest.raises(ValueError, match='must be B x N'):
        attention_mass(attention, target[:, :3], target)
