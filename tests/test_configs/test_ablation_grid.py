"""The ablation grid (``configs/ablation/``) changes one thing at a time.

Every config of the folder must be listed here with the settings it is meant
to have; all of them share the data, the schedule and deterministic mode, so
that metric differences come from the listed settings alone.
"""
import glob
import os.path as osp
import re

import pytest
from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
GRID_DIR = osp.join(REPO, 'configs', 'ablation')
GRID = sorted(osp.basename(p) for p in glob.glob(osp.join(GRID_DIR, '*.py')))

# config -> (output stride, SONA stages, DropBlock+ height range,
#            SONA reduction, SONA normalisation, local feature width)
FIXED, VARIABLE = (0.33, 0.33), (0.1, 0.5)
EXPECTED = {
    'bfe_r18_synthetic-hard.py': (16, (), FIXED, 4, 'softmax', 1024),
    'global_r18-dilated_synthetic-hard.py': (8, (), FIXED, 4, 'softmax', 0),
    'bfe_r18-dilated_synthetic-hard.py': (8, (), FIXED, 4, 'softmax', 1024),
    'bfe_r18-dilated-dbplus_synthetic-hard.py':
    (8, (), VARIABLE, 4, 'softmax', 1024),
    'sona2_r18-dilated_synthetic-hard.py':
    (8, (1, ), FIXED, 4, 'softmax', 1024),
    'sona3_r18-dilated_synthetic-hard.py':
    (8, (2, ), FIXED, 4, 'softmax', 1024),
    'sona23_r18-dilated_synthetic-hard.py':
    (8, (1, 2), FIXED, 4, 'softmax', 1024),
    'sona4_r18-dilated_synthetic-hard.py': (8, (3, ), FIXED, 4, 'softmax',
                                            1024),
    'sona_r18_synthetic-hard.py': (8, (1, 2), VARIABLE, 4, 'softmax', 1024),
    'sona_r18-scale_synthetic-hard.py': (8, (1, 2), VARIABLE, 4, 'scale',
                                         1024),
    'sona_r18-r2_synthetic-hard.py': (8, (1, 2), VARIABLE, 2, 'softmax', 1024),
    'sona_r18-r8_synthetic-hard.py': (8, (1, 2), VARIABLE, 8, 'softmax', 1024),
}


def load(name: str) -> Config:
    return Config.fromfile(osp.join(GRID_DIR, name))


def shared_settings(cfg: Config) -> str:
    """Everything but the model, which the grid varies."""
    return repr({k: v for k, v in cfg.to_dict().items() if k != 'model'})


def test_every_grid_config_is_listed():
    assert GRID == sorted(EXPECTED)


@pytest.mark.parametrize('name', GRID)
def test_grid_config_settings(name):
    stride, stages, h_range, reduction, normalize, local_dim = EXPECTED[name]
    cfg = load(name)
    backbone, head = cfg.model.backbone, cfg.model.head
    assert backbone.depth == 18 and backbone.init_cfg is None
    assert tuple(backbone.sona_stages) == stages
    strides = (1, 2, 2, 1) if stride == 16 else (1, 2, 1, 1)
    dilations = (1, 1, 1, 1) if stride == 16 else (1, 1, 2, 4)
    assert tuple(backbone.strides) == strides
    assert tuple(backbone.dilations) == dilations
    assert tuple(head.dropblock.h_range) == h_range
    assert tuple(head.dropblock.w_range) == (1.0, 1.0)
    assert backbone.sona_cfg.reduction == reduction
    assert backbone.sona_cfg.normalize == normalize
    assert head.local_dim == local_dim


def test_grid_shares_data_schedule_and_determinism():
    settings = {name: shared_settings(load(name)) for name in GRID}
    assert len(set(settings.values())) == 1, 'the grid differs beyond model'
    cfg = load(GRID[0])
    assert cfg.randomness.deterministic is True
    for loader in ('train_dataloader', 'val_dataloader'):
        dataset = cfg[loader].dataset
        assert dataset.type == 'SyntheticReID'
        assert dataset.difficulty == 'hard'
        assert cfg[loader].num_workers == 0
    # The model head and the rest of the recipe are shared as well.
    heads = {
        repr({
            **load(n).model.head, 'dropblock': None,
            'local_dim': None
        })
        for n in GRID
    }
    assert len(heads) == 1


def test_make_ablation_runs_the_whole_grid():
    with open(osp.join(REPO, 'Makefile')) as f:
        makefile = f.read()
    block = makefile.split('ABLATION_CONFIGS :=')[1].split('\n\n')[0]
    listed = re.findall(r'[\w.-]+_synthetic-hard\.py', block)
    assert sorted(listed) == GRID
    assert listed[0] == 'bfe_r18_synthetic-hard.py'
