"""tools/analysis_tools/get_flops.py and benchmark_latency.py, which count
and time through ``mmsona.analysis``."""
import os
import os.path as osp
import subprocess
import sys

import pytest
from tool_helpers import load_tool  # noqa: I100

from mmsona import analysis

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOLS = osp.join(REPO, 'tools', 'analysis_tools')


@pytest.mark.slow
@pytest.mark.parametrize('flag, policy',
                         [([], 'fixed'), (['--no-steady-malloc'], 'adaptive')])
def test_benchmark_restarts_with_a_fixed_allocator(flag, policy):
    env = {
        k: v
        for k, v in os.environ.items() if k not in analysis.STEADY_MALLOC
    }
    env['OMP_NUM_THREADS'] = '1'
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


def test_get_flops_tool_prints_the_counts(capsys):
    config = osp.join(REPO, 'configs', 'sona', 'sona_r18_synthetic.py')
    get_flops = load_tool('analysis_tools', 'get_flops.py')
    get_flops.main([config, '--shape', '32', '16'])
    out = capsys.readouterr().out
    assert 'Flops:' in out and 'Params:' in out
    assert 'in scaled_dot_product_attention:' in out
