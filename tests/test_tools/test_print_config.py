"""``tools/misc/print_config.py`` prints the config as it resolves."""
import importlib.util
import os.path as osp

import pytest
from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(REPO, 'tools', 'misc', 'print_config.py')


@pytest.fixture(scope='module')
def print_config():
    spec = importlib.util.spec_from_file_location('print_config', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def printed(tool, capsys, argv) -> Config:
    """Run the tool and read what it printed back as a config."""
    tool.main(argv)
    text = capsys.readouterr().out
    return Config.fromstring(text, '.py')


# config -> (SONA stages, SONA reduction, DropBlock+ heights) it resolves to
CASES = {
    'configs/ablation/sona_r18-r2_synthetic-hard.py': ((1, 2), 2, (0.1, 0.5)),
    'configs/sona/bfe_r50-dilated-dbplus_market.py': ((), 4, (0.1, 0.5)),
    'configs/sona/bfe_r50_market.py': ((), 4, (0.33, 0.33)),
}


@pytest.mark.slow
@pytest.mark.parametrize('name', sorted(CASES))
def test_prints_the_resolved_config(print_config, capsys, name):
    path = osp.join(REPO, name)
    cfg = printed(print_config, capsys, [path])
    assert cfg.to_dict() == Config.fromfile(path).to_dict()
    stages, reduction, h_range = CASES[name]
    assert tuple(cfg.model.backbone.sona_stages) == stages
    assert cfg.model.backbone.sona_cfg.reduction == reduction
    assert tuple(cfg.model.head.dropblock.h_range) == h_range
    assert cfg.default_scope == 'mmsona'  # from configs/_base_/


def test_applies_cfg_options(print_config, capsys):
    path = osp.join(REPO, 'configs', 'sona', 'sona_r50_market.py')
    cfg = printed(print_config, capsys, [
        path, '--cfg-options', 'model.backbone.sona_stages=(1,)',
        'train_dataloader.batch_size=64'
    ])
    assert tuple(cfg.model.backbone.sona_stages) == (1, )
    assert cfg.train_dataloader.batch_size == 64
    expected = Config.fromfile(
        osp.join(REPO, 'configs', 'sona', 'sona2_r50_market.py'))
    expected.train_dataloader.batch_size = 64
    assert cfg.to_dict() == expected.to_dict()


def test_prints_a_pure_python_config(print_config, capsys):
    path = osp.join(REPO, 'mmsona', 'configs', 'sona', 'bfe_r50_market.py')
    print_config.main([path])
    text = capsys.readouterr().out
    # Classes are printed by their import path.
    assert "type='mmsona.models.ReIDNet'" in text
    assert 'sona_stages=()' in text
