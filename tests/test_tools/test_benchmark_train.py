"""tools/analysis_tools/benchmark_train.py, and the Runner and bare training
steps of mmsona.analysis.train_step on a tiny config."""
import os.path as osp
import re

import pytest
import torch
from mmengine.config import Config
from tool_helpers import REPO, load_tool, tiny_model_config

from mmsona.analysis import TrainStepSubject

pytestmark = pytest.mark.slow


@pytest.fixture(scope='module')
def tiny_config(tmp_path_factory, tiny_synthetic_root):
    """The demo config at tiny width on the tiny synthetic benchmark, with
    the demo's training loader (two workers) and batch 8."""
    root = tmp_path_factory.mktemp('benchmark_train')
    data_root = tiny_synthetic_root
    path = root / 'tiny.py'
    path.write_text(
        tiny_model_config(
            osp.join(REPO, 'configs', 'sona', 'sona_r18_synthetic.py'),
            data_root) + f'train_dataloader = dict(batch_size=8, dataset=dict('
        f'data_root={data_root!r}, size="tiny"))\n')
    return str(path)


def test_tool_prints_runner_and_bare_images_per_s_and_ratio(
        tiny_config, capsys):
    tool = load_tool('analysis_tools', 'benchmark_train.py')
    assert tool.main([tiny_config, '--steps', '3', '--warmup', '1']) == 0
    out = capsys.readouterr().out
    row = re.search(
        r'^\| tiny \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) '
        r'\[[\d.]+, [\d.]+\] \| (\d+) \| ([\d.]+) \|$', out, re.M)
    assert row, out
    runner, bare, ratio, cost, peak, loader = map(float, row.groups())
    assert runner > 0 and bare > 0 and loader > 0
    assert 0.2 < ratio < 5.0
    assert cost == 1.0  # the only config is its own baseline
    assert 'batch 8 x (3, 128, 64)' in out
    assert re.search(
        r'tiny: Runner step [+-][\d.]+% time over the bare '
        r'step; the (model|LOADER) bounds training', out)


def test_tool_times_several_configs_against_a_baseline(tiny_config, tmp_path,
                                                       capsys):
    wide = tmp_path / 'wide.py'
    wide.write_text(f'_base_ = [{tiny_config!r}]\n'
                    'model = dict(backbone=dict(base_channels=32), '
                    'head=dict(in_channels=256))\n')
    tool = load_tool('analysis_tools', 'benchmark_train.py')
    assert tool.main([
        str(wide), '--baseline', tiny_config, '--steps', '2', '--warmup', '1',
        '--loader-batches', '0', '--shape', '96', '48'
    ]) == 0
    out = capsys.readouterr().out
    assert 'baseline: tiny;' in out and 'batch 8 x (3, 96, 48)' in out
    costs = dict(
        re.findall(r'^\| (\w+) \|(?: [\d.]+ \|){3} ([\d.]+) \[', out, re.M))
    assert set(costs) == {'tiny', 'wide'}
    assert float(costs['tiny']) == 1.0
    # Twice the channels: about 4x the FLOPs of the trunk per step.
    assert float(costs['wide']) > 1.3


def test_tool_refuses_amp_without_cuda(tiny_config, monkeypatch, capsys):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    tool = load_tool('analysis_tools', 'benchmark_train.py')
    with pytest.raises(SystemExit) as exc:
        tool.main([tiny_config, '--amp'])
    assert exc.value.code == 2
    assert '--amp needs a CUDA GPU' in capsys.readouterr().err


def test_both_paths_train_the_same_model_and_the_runner_runs_hooks(
        tiny_config, tmp_path):
    cfg = Config.fromfile(tiny_config)
    subject = TrainStepSubject('tiny', cfg, str(tmp_path), num_batches=2)
    hub = subject.runner.message_hub
    weight = subject.model.head.global_cls.weight
    before = weight.detach().clone()
    subject.runner_step(subject.batches[0])
    after_runner = weight.detach().clone()
    assert not torch.equal(before, after_runner)
    # IterTimerHook and the optimiser wrapper logged the iteration.
    assert subject.runner.iter == 1
    assert 'train/loss' in hub.log_scalars
    assert 'train/time' in hub.log_scalars
    subject.bare_step(subject.batches[1])
    assert not torch.equal(after_runner, weight.detach())
    # The bare step bypasses the Runner: no iteration counted, no log.
    assert subject.runner.iter == 1
    assert len(hub.log_scalars['train/loss'].data[0]) == 1
    subject.close()
