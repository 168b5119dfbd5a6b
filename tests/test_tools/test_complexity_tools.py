"""``mmsona.analysis`` counts SONA exactly and pairs timed runs; the
``get_flops.py`` and ``benchmark_latency.py`` tools use it."""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.analysis import FlopAnalyzer
from tool_helpers import load_tool  # noqa: I100
from torch import nn

from mmsona import analysis
from mmsona.apis import get_model
from mmsona.models import SONA

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOLS = osp.join(REPO, 'tools', 'analysis_tools')


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


class Recorder(nn.Module):

    def __init__(self, name: str, calls: list) -> None:
        super().__init__()
        self.name, self.calls = name, calls

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls.append(self.name)
        return x


def test_timing_alternates_order():
    calls = []
    models = {n: Recorder(n, calls) for n in 'abc'}
    timings = analysis.time_models(
        models, torch.zeros(4, 3, 2, 2), warmup=1, repeats=3)
    assert calls == list('abc' + 'abc' + 'cba' + 'abc')
    assert all(len(t) == 3 for t in timings.values())


def test_ratio_is_paired_median():
    timings = {'base': [1.0, 2.0, 4.0, 1.0], 'v': [1.1, 2.4, 4.0, 1.3]}
    median, q1, q3 = analysis.ratio_stats(timings, 'v', 'base')
    assert median == pytest.approx(1.15)
    assert q1 == pytest.approx(1.075)
    assert q3 == pytest.approx(1.225)
    assert analysis.quantile([3.0, 1.0, 2.0], 0.5) == 2.0
    bench = load_tool('analysis_tools', 'benchmark_latency.py')
    table = bench.format_table([
        dict(
            name='v',
            params=2e6,
            flops=3e9,
            flop_ratio=1.05,
            latency=0.012,
            ratio=median,
            ratio_q1=q1,
            ratio_q3=q3)
    ])
    assert '1.150 [1.075, 1.225]' in table and '+10.0' in table


def test_steady_allocator_environment():
    env = analysis.steady_allocator_env({'PATH': '/bin'})
    assert env == {'PATH': '/bin', **analysis.STEADY_MALLOC}
    assert int(env['MALLOC_MMAP_THRESHOLD_']) >= 1 << 30
    assert analysis.steady_allocator_env(env) is None


@pytest.mark.slow
@pytest.mark.parametrize('flag, policy',
                         [([], 'fixed'), (['--no-steady-malloc'], 'adaptive')])
def test_benchmark_restarts_with_a_fixed_allocator(flag, policy):
    env = {
        k: v
        for k, v in os.environ.items() if k not in analysis.STEADY_MALLOC
    }
    config = osp.join(REPO, 'configs', 'sona', 'sona_r18_synthetic.py')
    cmd = [
        sys.executable,
        osp.join(TOOLS, 'benchmark_latency.py'), config, '--baseline', config,
        '--shape', '32', '16', '--batch-size', '1', '--repeats', '1',
        '--warmup', '0', '--threads', '1', *flag
    ]
    out = subprocess.run(
        cmd, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert f'{policy} glibc allocator thresholds' in out.stdout


@pytest.mark.slow
def test_get_flops_tool_prints_the_counts():
    config = osp.join(REPO, 'configs', 'sona', 'sona_r18_synthetic.py')
    out = subprocess.run([
        sys.executable,
        osp.join(TOOLS, 'get_flops.py'), config, '--shape', '32', '16'
    ],
                         capture_output=True,
                         text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert 'Flops:' in out.stdout and 'Params:' in out.stdout
    assert 'in scaled_dot_product_attention:' in out.stdout
