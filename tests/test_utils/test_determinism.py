"""Deterministic configs get the cuBLAS setting CUDA needs for them."""
import os
import os.path as osp

import pytest
from mmengine.config import Config
from tool_helpers import REPO, load_tool  # noqa: I100

from mmsona.utils import setup_deterministic_env

ABLATION_CONFIG = osp.join(REPO, 'configs', 'ablation',
                           'bfe_r18_synthetic-hard.py')
DEMO_CONFIG = osp.join(REPO, 'configs', 'sona', 'sona_r18_synthetic.py')


def test_set_only_where_determinism_is_asked_for(monkeypatch):
    monkeypatch.delenv('CUBLAS_WORKSPACE_CONFIG', raising=False)
    assert not setup_deterministic_env(Config(dict(randomness=dict(seed=0))))
    assert 'CUBLAS_WORKSPACE_CONFIG' not in os.environ
    cfg = Config(dict(randomness=dict(seed=0, deterministic=True)))
    assert setup_deterministic_env(cfg)
    assert os.environ['CUBLAS_WORKSPACE_CONFIG'] == ':4096:8'
    # A value the user chose is kept.
    monkeypatch.setenv('CUBLAS_WORKSPACE_CONFIG', ':16:8')
    assert setup_deterministic_env(cfg)
    assert os.environ['CUBLAS_WORKSPACE_CONFIG'] == ':16:8'


class _RecordingRunner:
    """Stands in for MMEngine's Runner: notes the environment it starts in."""
    seen = []

    @classmethod
    def from_cfg(cls, cfg):
        cls.seen.append(os.environ.get('CUBLAS_WORKSPACE_CONFIG'))
        return cls()

    def train(self):
        pass

    def test(self):
        return {}

    rank = 0


@pytest.mark.parametrize('config,expected', [(ABLATION_CONFIG, ':4096:8'),
                                             (DEMO_CONFIG, None)])
def test_train_and_test_tools_set_it_before_the_runner(tmp_path, monkeypatch,
                                                       config, expected):
    monkeypatch.delenv('CUBLAS_WORKSPACE_CONFIG', raising=False)
    ckpt = tmp_path / 'model.pth'
    ckpt.write_bytes(b'')
    for script, args in (('train.py', [config]), ('test.py',
                                                  [config, str(ckpt)])):
        tool = load_tool(script)
        monkeypatch.setattr(tool, 'Runner', _RecordingRunner)
        _RecordingRunner.seen = []
        tool.main(args + ['--work-dir', str(tmp_path / 'work')])
        assert _RecordingRunner.seen == [expected], script
        monkeypatch.delenv('CUBLAS_WORKSPACE_CONFIG', raising=False)
