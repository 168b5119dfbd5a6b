"""mmsona.analysis counts SONA's FLOPs exactly: the attention products
(scaled_dot_product_attention, baddbmm) included."""
import os.path as osp

import pytest
import torch
from mmengine.analysis import FlopAnalyzer
from tool_helpers import REPO  # noqa: I100

from mmsona import analysis
from mmsona.apis import get_model
from mmsona.models import SONA


def sona_flops(channels: int, positions: int, reduction: int = 4) -> int:
    """SONA multiply-adds: theta/g/output projections and the two N x N
    products (the eval-mode BN is folded into the output projection)."""
    cp = channels // reduction
    return 3 * channels * cp * positions + 2 * positions * positions * cp


def test_sdpa_is_counted():
    block = SONA(64).eval()
    analyzer = FlopAnalyzer(block, (torch.randn(1, 64, 12, 4), ))
    analyzer.set_op_handle(analysis.SDPA_OP, analysis.sdpa_flop_jit)
    analyzer.set_op_handle(analysis.BADDBMM_OP, analysis.baddbmm_flop_jit)
    by_op = analyzer.by_operator()
    assert by_op['scaled_dot_product_attention'] == 2 * 48 * 48 * 16
    assert by_op['baddbmm'] == 64 * 16 * 48
    assert analyzer.total() == sona_flops(64, 48)


@pytest.mark.slow
def test_sona_flops_in_a_config():
    """sona - (same trunk without SONA) = both SONA blocks, analytically."""
    shape = (64, 32)  # stride 8: 8 x 4 after layer2 and layer3
    counts = {}
    for name in ('sona_r50_market', 'bfe_r50-dilated-dbplus_market'):
        cfg = analysis.load_benchmark_config(
            osp.join(REPO, 'configs', 'sona', f'{name}.py'))
        assert cfg.model.backbone.init_cfg is None
        model = get_model(cfg)
        counts[name] = analysis.count_complexity(model, shape)
    sona, trunk = counts['sona_r50_market'], counts[
        'bfe_r50-dilated-dbplus_market']
    assert sona['flops'] - trunk['flops'] == (
        sona_flops(512, 32) + sona_flops(1024, 32))
    assert sona['attention_flops'] == 2 * 32 * 32 * (128 + 256)
    assert trunk['attention_flops'] == 0
    sona_params = sum(3 * c * c // 4 + c // 4 * 2 + 2 * c for c in (512, 1024))
    assert sona['params'] - trunk['params'] == sona_params
