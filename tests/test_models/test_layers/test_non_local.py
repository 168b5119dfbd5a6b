"""FirstOrderNonLocal: MMCV's non-local block with a readable attention map."""
import pytest
import torch

from mmsona.models import SONAResNet
from mmsona.models.layers import FirstOrderNonLocal


def test_identity_at_construction_in_train_and_eval():
    block = FirstOrderNonLocal(32, reduction=4)
    x = torch.randn(2, 32, 6, 4)
    for mode in (True, False):
        block.train(mode)
        assert torch.equal(block(x), x)


def test_attention_map_and_forward_against_naive_formula():
    torch.manual_seed(0)
    block = FirstOrderNonLocal(16, reduction=4).eval()
    torch.nn.init.normal_(block.conv_out.conv.weight)
    x = torch.randn(2, 16, 5, 3)
    n, c = 5 * 3, block.inter_channels
    theta = block.theta(x).reshape(2, c, n).transpose(1, 2)
    phi = block.phi(x).reshape(2, c, n)
    g = block.g(x).reshape(2, c, n).transpose(1, 2)
    # Embedded Gaussian: softmax over positions of theta phi^T / sqrt(c').
    attn = torch.softmax(theta @ phi / c**0.5, dim=-1)
    got = block.attention_map(x)
    torch.testing.assert_close(got, attn)
    torch.testing.assert_close(got.sum(-1), torch.ones(2, n))
    y = (attn @ g).transpose(1, 2).reshape(2, c, 5, 3)
    torch.testing.assert_close(block(x), x + block.conv_out(y))


def test_dot_product_mode_map_and_arguments_reach_mmcv():
    torch.manual_seed(0)
    block = FirstOrderNonLocal(16, reduction=8, mode='dot_product')
    assert block.inter_channels == 2 and block.mode == 'dot_product'
    x = torch.randn(2, 16, 4, 3)
    theta = block.theta(x).reshape(2, 2, 12).transpose(1, 2)
    phi = block.phi(x).reshape(2, 2, 12)
    # Dot product: theta phi^T divided by the number of positions.
    torch.testing.assert_close(block.attention_map(x), theta @ phi / 12)


def test_attention_map_in_float32_under_autocast():
    torch.manual_seed(0)
    block = FirstOrderNonLocal(16, reduction=4)
    x = torch.randn(2, 16, 6, 4)
    with torch.no_grad():
        ref = block.attention_map(x)
        with torch.autocast('cpu', dtype=torch.bfloat16):
            got = block.attention_map(x)
    assert got.dtype == torch.float32
    # The embeddings come out of bfloat16 convolutions; the map itself is
    # computed in float32 from them.
    torch.testing.assert_close(got, ref, atol=2e-2, rtol=0)


def test_unsupported_modes_are_refused():
    with pytest.raises(ValueError, match='concatenation'):
        FirstOrderNonLocal(16, mode='concatenation')
    with pytest.raises(ValueError, match='sub_sample'):
        FirstOrderNonLocal(16, sub_sample=True)


def test_sona_cfg_type_puts_it_at_sonas_places():
    net = SONAResNet(
        depth=18,
        base_channels=16,
        stem_channels=16,
        sona_stages=(1, 2),
        sona_cfg=dict(type='FirstOrderNonLocal', reduction=4))
    blocks = net.sona_layers
    assert [type(b).__name__
            for b in blocks.values()] == ['FirstOrderNonLocal'] * 2
    assert [b.in_channels for b in blocks.values()] == [32, 64]
    net.init_weights()
    assert all(
        torch.count_nonzero(b.conv_out.conv.weight) == 0
        for b in blocks.values())
