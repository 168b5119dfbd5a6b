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
import os.path as osp
from typing import Iterator
from unittest import mock

import pytest
import torch
from mmengine.config import Config
from mmpretrain.structures import DataSample
from torch import nn

from mmsona.models import SONA
from mmsona.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
HALF_TYPES = [torch.float16, torch.bfloat16]

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


@pytest.mark.slow
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


@pytest.mark.parametrize('dtype', HALF_TYPES)
@pytest.mark.parametrize('scale', [2.0, 32.0])
def test_softmax_sona_rows_sum_to_one_under_autocast(dtype, scale):
    """Rows of A sum to 1 within 1e-3, also when attention is near one-hot
    (``scale`` 32), where a half-precision softmax rounds its largest entry
    to 2^-8: the explicit map and the forward path's ``A g`` (with ``g`` of
    ones, ``A g`` is the row sums)."""
    torch.manual_seed(0)
    block = SONA(256)
    x = torch.relu(torch.randn(2, 256, 48, 16)) * scale
    with torch.no_grad(), cpu_autocast(dtype):
        att = block.attention_map(x)
        theta_c, g = block._embed(x)
        row_sums = block._aggregate(theta_c, torch.ones_like(g))
    assert att.dtype == torch.float32
    if scale > 2:
        assert float(att.max()) > 0.99  # near one-hot rows
    ones = torch.ones(att.shape[:2])
    assert torch.allclose(att.sum(-1), ones, atol=1e-3)
    assert torch.allclose(
        row_sums.float(), torch.ones_like(row_sums.float()), atol=1e-3)
    # Naive reference: the same covariance and softmax in float64.
    t = theta_c.double()
    ref = (t @ t.transpose(1, 2) / block.inter_channels).softmax(-1)
    assert float((att.double() - ref).abs().max()) < 1e-4


# --------------------------------------------------- the two models
MODEL_CONFIGS = {
    'demo': 'configs/sona/sona_r18_synthetic.py',
    'r50': 'configs/sona/sona_r50_market.py',
}
# Largest |half - float32| allowed for each triplet loss (losses near 1),
# same weights, images and DropBlock+ draws, the whole network in half
# precision. Seen: up to 0.034 in float16 and 0.057 in bfloat16.
TRIPLET_TOL = {torch.float16: 0.05, torch.bfloat16: 0.1}


def build_model(config: str, normalize: str) -> nn.Module:
    """The config's model, seeded, with SONA blocks that act."""
    cfg = Config.fromfile(osp.join(REPO, config)).model
    cfg.backbone.init_cfg = None  # no ImageNet download
    cfg.backbone.sona_cfg = dict(cfg.backbone.sona_cfg, normalize=normalize)
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    with torch.no_grad():
        for block in model.modules():
            if isinstance(block, SONA):
                block.out_norm.weight.normal_(std=0.5)
    return model.train()


def paper_size_batch(model: nn.Module) -> dict:
    """Four 384 x 128 images of two identities, preprocessed (float32)."""
    gen = torch.Generator().manual_seed(1)
    images = torch.randint(0, 256, (4, 3, 384, 128), generator=gen)
    samples = [DataSample().set_gt_label(i // 2) for i in range(4)]
    return model.data_preprocessor(
        dict(inputs=images.to(torch.uint8), data_samples=samples), True)


# Without AVX-512, PyTorch emulates float16 / bfloat16 convolutions on the
# CPU: the ResNet-50 case then takes about 5 minutes per run instead of
# seconds, and the demo model (same SONA blocks) covers the same paths.
NATIVE_CPU_HALF = torch.backends.cpu.get_cpu_capability().startswith('AVX512')


# The softmax map is computed in float32 whatever the autocast dtype
# (``SONA.attention_map``), so its case does not depend on the trunk's
# widths and the demo model covers it; the scale path computes in half
# precision, and its overflow depends on the widths: it runs on both, the
# ResNet-50 in float16 only (bfloat16 has float32's exponent range, so the
# widths cannot make it overflow; its rounding is checked on the demo).
@pytest.mark.slow
@pytest.mark.parametrize(
    'name,normalize,dtypes', [('demo', 'softmax', HALF_TYPES),
                              ('demo', 'scale', HALF_TYPES),
                              ('r50', 'scale', [torch.float16])],
    ids=['demo-softmax', 'demo-scale', 'r50-scale-float16'])
def test_model_trains_in_half_precision_at_paper_size(name, normalize, dtypes):
    if name == 'r50' and not NATIVE_CPU_HALF:
        pytest.skip('float16 / bfloat16 convolutions are emulated on this CPU '
                    f'({torch.backends.cpu.get_cpu_capability()}); the demo '
                    'model runs the same SONA paths')
    model = build_model(MODEL_CONFIGS[name], normalize)
    data = paper_size_batch(model)
    sonas = [m for m in model.modules() if isinstance(m, SONA)]
    assert len(sonas) == 2
    with torch.no_grad():
        torch.manual_seed(2)  # DropBlock+ draws the same block each time
        ref = model(**data, mode='loss')
    for dtype in dtypes:
        sona_inputs = []
        hooks = [
            m.register_forward_pre_hook(
                lambda _, args: sona_inputs.append(args[0].detach()))
            for m in sonas
        ]
        model.zero_grad()
        torch.manual_seed(2)
        with cpu_autocast(dtype):
            losses = model(**data, mode='loss')
        for hook in hooks:
            hook.remove()
        loss = sum(v for k, v in losses.items() if k.startswith('loss_'))
        loss.backward()
        where = f'{name} {normalize} {dtype}'
        for key, value in losses.items():
            assert torch.isfinite(value), f'{where}: {key} = {value}'
        for pname, param in model.named_parameters():
            if param.grad is not None:
                assert torch.isfinite(param.grad).all(), f'{where}: {pname}'
        for key in ('loss_global_triplet', 'loss_local_triplet'):
            diff = abs(float(losses[key].detach()) - float(ref[key]))
            assert diff < TRIPLET_TOL[dtype], (where, key, losses[key],
                                               ref[key])
        for block, x in zip(sonas, sona_inputs):
            with torch.no_grad(), cpu_autocast(dtype):
                att = block.attention_map(x).float()
            assert torch.isfinite(att).all(), where
            if normalize == 'softmax':
                rows = att.sum(-1)
                assert torch.allclose(
                    rows, torch.ones_like(rows), atol=1e-3), where
