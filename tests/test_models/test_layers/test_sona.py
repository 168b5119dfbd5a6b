"""SONA against a naive float64 implementation of the paper's formula."""
import pytest
import torch

from mmsona.models import SONA
from mmsona.registry import MODELS


def naive_sona(block: SONA, x: torch.Tensor) -> torch.Tensor:
    """Loop-by-loop SONA with an explicit centring matrix Ibar."""
    b, c, h, w = x.shape
    n = h * w
    cp = block.inter_channels
    ibar = (torch.eye(cp, dtype=x.dtype) -
            torch.ones(cp, cp, dtype=x.dtype) / cp) / cp
    wt = block.theta.weight.reshape(cp, c)
    bt = block.theta.bias
    wg = block.g.weight.reshape(cp, c)
    bg = block.g.bias
    wz = block.out_conv.weight.reshape(c, cp)
    out = torch.empty_like(x)
    for k in range(b):
        pos = x[k].reshape(c, n).t()  # N x C
        theta = torch.stack([wt @ pos[i] + bt for i in range(n)])
        g = torch.stack([wg @ pos[i] + bg for i in range(n)])
        sigma = torch.empty(n, n, dtype=x.dtype)
        for i in range(n):
            for j in range(n):
                sigma[i, j] = theta[i] @ ibar @ theta[j]
        if block.normalize == 'softmax':
            att = torch.empty_like(sigma)
            for i in range(n):
                e = torch.exp(sigma[i] - sigma[i].max())
                att[i] = e / e.sum()
        else:
            att = sigma / n
        y = torch.stack([
            sum(att[i, j] * g[j] for j in range(n)) for i in range(n)
        ])  # N x c'
        z = torch.stack([wz @ y[i] for i in range(n)]).t().reshape(c, h, w)
        bn = block.out_norm
        z = (z - bn.running_mean[:, None, None]
             ) / torch.sqrt(bn.running_var[:, None, None] + bn.eps)
        z = z * bn.weight[:, None, None] + bn.bias[:, None, None]
        out[k] = x[k] + z
    return out


def randomised_block(channels: int, reduction: int, normalize: str) -> SONA:
    """A float64 SONA in eval mode with non-trivial output weights."""
    torch.manual_seed(channels + reduction)
    block = SONA(channels, reduction=reduction, normalize=normalize).double()
    block.init_weights()
    with torch.no_grad():
        block.out_norm.weight.uniform_(0.5, 1.5)
        block.out_norm.bias.uniform_(-0.5, 0.5)
        block.out_norm.running_mean.uniform_(-0.2, 0.2)
        block.out_norm.running_var.uniform_(0.5, 2.0)
    return block.eval()


@pytest.mark.parametrize('normalize', ['softmax', 'scale'])
@pytest.mark.parametrize('shape,reduction', [((2, 8, 3, 4), 4),
                                             ((1, 6, 5, 2), 2),
                                             ((2, 16, 2, 2), 8),
                                             ((1, 4, 4, 5), 1)])
def test_sona_matches_naive_reference(normalize, shape, reduction):
    block = randomised_block(shape[1], reduction, normalize)
    x = torch.randn(*shape, dtype=torch.float64)
    with torch.no_grad():
        fast = block(x)
        ref = naive_sona(block, x)
    assert torch.allclose(fast, ref, atol=1e-10, rtol=0)


@pytest.mark.parametrize('normalize', ['softmax', 'scale'])
def test_attention_map_rows(normalize):
    block = randomised_block(8, 2, normalize)
    x = torch.randn(2, 8, 3, 3, dtype=torch.float64)
    att = block.attention_map(x)
    assert att.shape == (2, 9, 9)
    if normalize == 'softmax':
        assert torch.allclose(att.sum(-1), torch.ones(2, 9, dtype=att.dtype))
        assert bool((att > 0).all())
    # Covariance attention is symmetric before row normalisation.
    sigma = att * 9 if normalize == 'scale' else None
    if sigma is not None:
        assert torch.allclose(sigma, sigma.transpose(1, 2))


@pytest.mark.parametrize('normalize', ['softmax', 'scale'])
@pytest.mark.parametrize('shape,reduction', [((2, 16, 2, 2), 2),
                                             ((1, 8, 3, 3), 1)])
def test_wide_embedding_and_embedding_biases(normalize, shape, reduction):
    """c' >= N (the other order of the scale path's products) and non-zero
    theta and g biases (which the channel centring must remove from theta
    exactly)."""
    block = randomised_block(shape[1], reduction, normalize)
    with torch.no_grad():
        block.theta.bias.uniform_(-1.0, 1.0)
        block.g.bias.uniform_(-1.0, 1.0)
    x = torch.randn(*shape, dtype=torch.float64)
    with torch.no_grad():
        assert torch.allclose(block(x), naive_sona(block, x), atol=1e-10)


def test_arguments_are_kept():
    block = SONA(
        12,
        reduction=3,
        use_bn_zero_init=False,
        init_cfg=dict(type='Constant', val=1.0, layer='Conv2d'))
    assert (block.in_channels, block.reduction, block.inter_channels) == (12,
                                                                          3, 4)
    assert block.use_bn_zero_init is False
    assert block.init_cfg == dict(type='Constant', val=1.0, layer='Conv2d')


def naive_attention(block: SONA, x: torch.Tensor) -> torch.Tensor:
    """``A`` of the paper: ``theta Ibar theta^T``, then softmax rows or a
    division by N, with the explicit centring matrix Ibar."""
    b, c, h, w = x.shape
    n, cp = h * w, block.inter_channels
    ibar = (torch.eye(cp, dtype=x.dtype) -
            torch.ones(cp, cp, dtype=x.dtype) / cp) / cp
    wt = block.theta.weight.reshape(cp, c)
    maps = []
    for k in range(b):
        theta = x[k].reshape(c, n).t() @ wt.t() + block.theta.bias
        sigma = theta @ ibar @ theta.t()
        if block.normalize == 'softmax':
            e = torch.exp(sigma - sigma.amax(1, keepdim=True))
            maps.append(e / e.sum(1, keepdim=True))
        else:
            maps.append(sigma / n)
    return torch.stack(maps)


@pytest.mark.parametrize('normalize', ['softmax', 'scale'])
def test_attention_map_matches_naive_formula(normalize):
    block = randomised_block(12, 3, normalize)
    x = torch.randn(2, 12, 3, 2, dtype=torch.float64)
    with torch.no_grad():
        att = block.attention_map(x)
    assert torch.allclose(att, naive_attention(block, x), atol=1e-12, rtol=0)


@pytest.mark.parametrize('normalize', ['softmax', 'scale'])
def test_sona_gradcheck(normalize):
    block = randomised_block(4, 2, normalize)
    x = torch.randn(1, 4, 2, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(block, (x, ), eps=1e-6, atol=1e-6)


def test_sona_is_identity_at_initialisation():
    block = SONA(16)
    block.init_weights()
    x = torch.randn(2, 16, 4, 3)
    block.train()
    assert torch.equal(block(x), x)
    block.eval()
    assert torch.equal(block(x), x)


def test_sona_is_permutation_equivariant_and_non_local():
    block = randomised_block(8, 2, 'softmax')
    x = torch.randn(1, 8, 4, 4, dtype=torch.float64)
    perm = torch.randperm(16)
    with torch.no_grad():
        y = block(x).flatten(2)
        y_perm = block(x.flatten(2)[:, :, perm].reshape(1, 8, 4, 4))
    assert torch.allclose(y[:, :, perm], y_perm.flatten(2), atol=1e-12)
    # Changing the top-left position changes the bottom-right output.
    x2 = x.clone()
    x2[0, :, 0, 0] += 3.0
    with torch.no_grad():
        diff = (block(x2) - block(x))[0, :, 3, 3].abs().max()
    assert diff > 1e-6


def test_sona_builds_from_registry_and_as_mmcv_plugin():
    block = MODELS.build(dict(type='mmsona.SONA', in_channels=32))
    assert isinstance(block, SONA) and block.inter_channels == 8
    from mmcv.cnn import build_plugin_layer
    name, layer = build_plugin_layer(
        dict(type='SONA', reduction=2), postfix='_1', in_channels=16)
    assert name == 'sona_1' and isinstance(layer, SONA)
    assert layer.inter_channels == 8


def test_sona_rejects_bad_arguments():
    with pytest.raises(ValueError, match='normalize'):
        SONA(8, normalize='sum')
    with pytest.raises(ValueError, match='divide'):
        SONA(6, reduction=4)


def test_sona_module_is_cheap_in_scale_mode():
    """The 'scale' path never forms N x N when c' < N."""
    block = randomised_block(8, 4, 'scale')
    calls = []
    orig = torch.Tensor.__matmul__

    def spy(a, b):
        out = orig(a, b)
        calls.append(tuple(out.shape))
        return out

    x = torch.randn(1, 8, 6, 6, dtype=torch.float64)
    torch.Tensor.__matmul__ = spy
    try:
        with torch.no_grad():
            block(x)
    finally:
        torch.Tensor.__matmul__ = orig
    assert calls, 'the scale path should use matrix products'
    assert (36, 36) not in [shape[-2:] for shape in calls]


def test_init_weights_draws_the_documented_weights():
    """Kaiming normal with fan-in and a linear gain (std 1/sqrt(C)) for the
    three convolutions, the output BN back at zero."""
    torch.manual_seed(0)
    block = SONA(256, reduction=2)
    with torch.no_grad():
        block.out_norm.weight.fill_(1.0)
        block.out_norm.bias.fill_(0.5)
    block.init_weights()
    for conv, fan_in in ((block.theta, 256), (block.g, 256), (block.out_conv,
                                                              128)):
        std = float(conv.weight.detach().std())
        assert abs(std * fan_in**0.5 - 1) < 0.1, conv
    assert not bool(block.out_norm.weight.any())
    assert not bool(block.out_norm.bias.any())


@pytest.mark.parametrize('reduction', [4, 2])
def test_scale_path_keeps_float16_results_at_both_ends_of_the_range(reduction):
    """Y = theta_c theta_c^T g / (c' N) in float16, with c' and N powers of
    two (c' < N and c' = N, the two product orders): the scaled factors make
    every intermediate as large as the result, so a result near the top of
    the float16 range (40960) does not overflow and one at its bottom (the
    smallest subnormal, 2^-24) is not flushed to zero, as the float64
    formula says (the unscaled products are c' N = 8 or 16 times larger)."""
    block = SONA(8, reduction=reduction, normalize='scale')
    n, c = 4, block.inter_channels
    for theta_value, g_value in ((32.0, 40.0), (2.0**-8, 2.0**-8)):
        theta = torch.full((1, n, c), theta_value, dtype=torch.float16)
        g = torch.full((1, n, c), g_value, dtype=torch.float16)
        want = theta.double() @ theta.double().transpose(1, 2) @ g.double()
        got = block._aggregate(theta, g)
        assert got.dtype == torch.float16
        torch.testing.assert_close(
            got.double(), want / (c * n), rtol=1e-3, atol=0)
