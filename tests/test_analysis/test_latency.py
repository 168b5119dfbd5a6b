"""mmsona.analysis times models in alternating order and pairs the runs;
a fixed allocator keeps the timings steady."""
import pytest
import torch
from tool_helpers import load_tool  # noqa: I100
from torch import nn

from mmsona import analysis


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
