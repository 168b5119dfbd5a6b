"""SONA's fast path: fused-kernel layout, output layout, training gradients."""
import pytest
import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend

from mmsona.models import SONA


def module_reference(block: SONA, x: torch.Tensor) -> torch.Tensor:
    """SONA written with the block's own submodules, step by step."""
    b, c, h, w = x.shape
    cp = block.inter_channels
    theta = block.theta(x).flatten(2).transpose(1, 2)
    theta = theta - theta.mean(dim=2, keepdim=True)
    g = block.g(x).flatten(2).transpose(1, 2)
    sigma = theta @ theta.transpose(1, 2) / cp
    if block.normalize == 'softmax':
        att = sigma.softmax(dim=-1)
    else:
        att = sigma / sigma.shape[-1]
    y = (att @ g).transpose(1, 2).reshape(b, cp, h, w)
    return x + block.out_norm(block.out_conv(y))


@pytest.mark.parametrize('normalize', ['softmax', 'scale'])
@pytest.mark.parametrize('norm_eval', [False, True])
def test_training_forward_and_parameter_gradients(normalize, norm_eval):
    """Folding the centring into theta's weights, and the output BN into
    W_z when it uses running statistics, keeps every gradient."""
    torch.manual_seed(0)
    block = SONA(8, reduction=2, normalize=normalize).double().train()
    block.init_weights()
    with torch.no_grad():
        block.out_norm.weight.uniform_(0.5, 1.5)
        block.out_norm.bias.uniform_(-0.5, 0.5)
        block.out_norm.running_mean.uniform_(-0.2, 0.2)
        block.out_norm.running_var.uniform_(0.5, 2.0)
    if norm_eval:
        block.out_norm.eval()
    x = torch.randn(3, 8, 4, 3, dtype=torch.float64)
    outs, grads = [], []
    for fn in (block, lambda t: module_reference(block, t)):
        block.zero_grad()
        out = fn(x)
        (out * torch.linspace(
            -1, 1, out.numel()).view_as(out).double()).sum().backward()
        outs.append(out.detach())
        grads.append({n: p.grad.clone() for n, p in block.named_parameters()})
    assert torch.allclose(outs[0], outs[1], atol=1e-10, rtol=0)
    for name in grads[1]:
        assert torch.allclose(
            grads[0][name], grads[1][name], atol=1e-10, rtol=0), name


def test_softmax_path_feeds_the_fused_kernel(monkeypatch):
    """theta_c and g reach SDPA in a layout its fused CPU kernel accepts.

    Transposed views send ``scaled_dot_product_attention`` to the unfused
    math path, which materialises the N x N map and was 2-3x slower here.
    """
    seen = []
    sdpa = F.scaled_dot_product_attention

    def spy(q, k, v, **kwargs):
        seen.append(torch._fused_sdp_choice(q, k, v, **kwargs))
        return sdpa(q, k, v, **kwargs)

    monkeypatch.setattr(F, 'scaled_dot_product_attention', spy)
    block = SONA(64).eval()
    with torch.inference_mode():
        block(torch.randn(2, 64, 12, 4))
    assert seen and seen[0] != SDPBackend.MATH.value


@pytest.mark.parametrize('normalize', ['softmax', 'scale'])
def test_output_keeps_the_input_layout(normalize):
    """A contiguous NCHW input gives a contiguous NCHW output."""
    block = SONA(32, normalize=normalize).eval()
    with torch.no_grad():
        block.out_norm.weight.fill_(1.0)
        y = block(torch.randn(2, 32, 6, 4))
    assert y.is_contiguous()


@pytest.mark.parametrize('norm_cfg', [
    dict(type='BN', affine=False),
    dict(type='BN', track_running_stats=False),
    dict(type='GN', num_groups=4),
])
def test_other_output_norms_match_the_module_reference(norm_cfg):
    torch.manual_seed(0)
    block = SONA(16, reduction=2, norm_cfg=norm_cfg).double().eval()
    with torch.no_grad():
        for p in block.out_norm.parameters():
            p.uniform_(0.5, 1.5)
        if getattr(block.out_norm, 'running_var', None) is not None:
            block.out_norm.running_var.uniform_(0.5, 2.0)
    x = torch.randn(2, 16, 3, 4, dtype=torch.float64)
    with torch.no_grad():
        assert torch.allclose(
            block(x), module_reference(block, x), atol=1e-10, rtol=0)
