"""Mixed precision on the CPU: what ``--amp`` meets on a GPU.

``torch.autocast('cpu', dtype=...)`` runs matrix products in float16 or
bfloat16 as CUDA autocast does, so overflow and rounding show up here.
This CPU's float16 convolutions are a reference kernel about a hundred
times slower than its bfloat16 ones; under float16 the convolutions are
therefore computed as a GPU's float16 convolution is (inputs and weights
rounded to float16, float32 accumulation, output rounded to float16), while
every other product runs in real float16.
"""
import contextlib
from typing import Iterator
from unittest import mock

import pytest
import torch
from torch import nn

from mmsona.models import SONA


_CONV_FORWARD = nn.Conv2d._conv_forward


def _float16_conv_forward(self, input, weight, bias):
    """``nn.Conv2d._conv_forward`` as a float16 GPU kernel computes it."""

    def rounded(t):
        return None if t is None else t.half().float()

    with torch.autocast('cpu', enabled=False):
        out = _CONV_FORWARD(self, rounded(input), rounded(weight),
                            rounded(bias))
    return out.half()


@contextlib.contextmanager
def cpu_autocast(dtype: torch.dtype) -> Iterator[None]:
    """``torch.autocast('cpu', dtype)``, float16 convolutions emulated."""
    with contextlib.ExitStack() as stack:
        if dtype == torch.float16:
            stack.enter_context(
                mock.patch.object(nn.Conv2d, '_conv_forward',
                                  _float16_conv_forward))
        stack.enter_context(torch.autocast('cpu', dtype=dtype))
        yield


# ---------------------------------------------------------------- SONA
def paper_size_input(channels: int) -> torch.Tensor:
    """Post-ReLU activations scaled by 2 on the 48 x 16 map (N = 768) that a
    384 x 128 image gives at output stride 8."""
    return torch.relu(torch.randn(2, channels, 48, 16)) * 2


def old_scale_order(theta_c, g):
    """``'scale'`` aggregation in the order of the released models."""
    c, n = theta_c.shape[2], theta_c.shape[1]
    if c < n:
        return theta_c @ (theta_c.transpose(1, 2) @ g) / (c * n)
    return (theta_c @ theta_c.transpose(1, 2)) @ g / (c * n)


@pytest.mark.parametrize('channels', [512, 1024])
def test_scale_sona_is_finite_under_float16_autocast_at_paper_size(channels):
    torch.manual_seed(0)
    block = SONA(channels, normalize='scale')
    block.init_weights()
    with torch.no_grad():
        # Let the attention reach the output (the BN starts at zero).
        block.out_norm.weight.normal_(std=0.5)
    x = paper_size_input(channels)
    with torch.no_grad():
        theta_c, _ = block._embed(x)
        # The case: |theta_c| RMS about 1.4.
        assert 1.2 < float(theta_c.pow(2).mean().sqrt()) < 1.6
        ref = block(x) - x
        with torch.autocast('cpu', dtype=torch.float16):
            out = block(x)
    assert torch.isfinite(out).all()
    err = (out.float() - x - ref).norm() / ref.norm()
    assert err < 2e-2


@pytest.mark.parametrize('channels,hw', [(128, (8, 4)), (256, (8, 4)),
                                         (512, (48, 16)), (64, (3, 5)),
                                         (16, (2, 2))])
def test_scale_aggregation_keeps_float32_bits(channels, hw):
    """Scaling by powers of two first changes no float32 bit, and the result
    is the formula's to float32 rounding."""
    torch.manual_seed(channels)
    block = SONA(channels, normalize='scale')
    x = torch.randn(2, channels, *hw) * 3
    with torch.no_grad():
        theta_c, g = block._embed(x)
        y = block._aggregate(theta_c, g)
        assert torch.equal(y, old_scale_order(theta_c, g))
        t, g64 = theta_c.double(), g.double()
        naive = (t @ t.transpose(1, 2)) / (t.shape[2] * t.shape[1]) @ g64
    assert float((y.double() - naive).norm() / naive.norm()) < 1e-6
