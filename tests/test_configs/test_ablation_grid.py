"""The ablation grids (``configs/ablation/``) change one thing at a time.

The folder holds two grids, one per benchmark (``*_synthetic-hard.py`` and
``*_synthetic-relational.py``). Every config must be listed here with the
settings it is meant to have; the configs of a grid share the data, the
schedule and deterministic mode, so that metric differences come from the
listed settings alone.
"""
import glob
import os.path as osp
import re
import shutil
import subprocess
from typing import List

import pytest
from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
GRID_DIR = osp.join(REPO, 'configs', 'ablation')
GRID = sorted(osp.basename(p) for p in glob.glob(osp.join(GRID_DIR, '*.py')))
FAMILIES = dict(
    hard=[n for n in GRID if n.endswith('_synthetic-hard.py')],
    relational=[n for n in GRID if n.endswith('_synthetic-relational.py')])

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
# The relational grid: (SONA stages, DropBlock+ height range, attention
# block type, local feature width); all dilated, half-width trunks.
EXPECTED_RELATIONAL = {
    'global_r18h-dilated_synthetic-relational.py': ((), FIXED, 'SONA', 0),
    'bfe_r18h-dilated_synthetic-relational.py': ((), FIXED, 'SONA', 1024),
    'bfe_r18h-dilated-dbplus_synthetic-relational.py':
    ((), VARIABLE, 'SONA', 1024),
    'nl23_r18h-dilated_synthetic-relational.py':
    ((1, 2), FIXED, 'FirstOrderNonLocal', 1024),
    'sona2_r18h-dilated_synthetic-relational.py': ((1, ), FIXED, 'SONA', 1024),
    'sona3_r18h-dilated_synthetic-relational.py': ((2, ), FIXED, 'SONA', 1024),
    'sona23_r18h-dilated_synthetic-relational.py':
    ((1, 2), FIXED, 'SONA', 1024),
    'sona4_r18h-dilated_synthetic-relational.py': ((3, ), FIXED, 'SONA', 1024),
    'sona_r18h_synthetic-relational.py': ((1, 2), VARIABLE, 'SONA', 1024),
}


def load(name: str) -> Config:
    return Config.fromfile(osp.join(GRID_DIR, name))


def shared_settings(cfg: Config) -> str:
    """Everything but the model, which the grid varies."""
    return repr({k: v for k, v in cfg.to_dict().items() if k != 'model'})


def test_every_grid_config_is_listed():
    assert GRID == sorted([*EXPECTED, *EXPECTED_RELATIONAL])
    assert FAMILIES['hard'] == sorted(EXPECTED)
    assert FAMILIES['relational'] == sorted(EXPECTED_RELATIONAL)


@pytest.mark.slow
@pytest.mark.parametrize('name', FAMILIES['hard'])
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


@pytest.mark.parametrize('name', FAMILIES['relational'])
def test_relational_grid_config_settings(name):
    stages, h_range, block, local_dim = EXPECTED_RELATIONAL[name]
    cfg = load(name)
    backbone, head = cfg.model.backbone, cfg.model.head
    assert backbone.depth == 18 and backbone.init_cfg is None
    assert backbone.base_channels == backbone.stem_channels == 32
    assert head.in_channels == 256
    assert tuple(backbone.sona_stages) == stages
    assert tuple(backbone.strides) == (1, 2, 1, 1)
    assert tuple(backbone.dilations) == (1, 1, 2, 4)
    assert tuple(head.dropblock.h_range) == h_range
    assert tuple(head.dropblock.w_range) == (1.0, 1.0)
    assert backbone.sona_cfg.get('type', 'SONA') == block
    assert backbone.sona_cfg.reduction == 4
    if block == 'SONA':
        assert backbone.sona_cfg.normalize == 'softmax'
    else:
        assert 'normalize' not in backbone.sona_cfg
    assert head.local_dim == local_dim


@pytest.mark.parametrize('family', sorted(FAMILIES))
def test_grid_inherits_its_family_base(family):
    """Each leaf names the family base, or a leaf that names it."""
    base = f"_base_ = './_base_/synthetic_{family}.py'"
    for name in FAMILIES[family]:
        with open(osp.join(GRID_DIR, name)) as f:
            text = f.read()
        parent = re.search(r"^_base_ = '\./([\w./-]+)'$", text, re.MULTILINE)
        assert parent is not None, name
        if base not in text:
            assert parent.group(1) in FAMILIES[family], name
            with open(osp.join(GRID_DIR, parent.group(1))) as f:
                assert base in f.read(), name


@pytest.mark.slow
@pytest.mark.parametrize('family', sorted(FAMILIES))
def test_grid_shares_data_schedule_and_determinism(family):
    grid = FAMILIES[family]
    settings = {name: shared_settings(load(name)) for name in grid}
    assert len(set(settings.values())) == 1, 'the grid differs beyond model'
    cfg = load(grid[0])
    assert cfg.randomness.deterministic is True
    for loader in ('train_dataloader', 'val_dataloader'):
        dataset = cfg[loader].dataset
        assert dataset.type == 'SyntheticReID'
        assert dataset.difficulty == family
        assert cfg[loader].num_workers == 0
    # The model head and the rest of the recipe are shared as well.
    heads = {
        repr({
            **load(n).model.head, 'dropblock': None,
            'local_dim': None
        })
        for n in grid
    }
    assert len(heads) == 1


def make_variable(name: str) -> List[str]:
    """A variable of the Makefile as ``make`` expands it, in order."""
    rule = f'print-var: ; @echo $({name})'
    command = ['make', '-s', '--no-print-directory', '--eval', rule]
    out = subprocess.run([*command, 'print-var'],
                         cwd=REPO,
                         capture_output=True,
                         text=True,
                         check=True).stdout
    return [osp.relpath(p, 'configs/ablation') for p in out.split()]


@pytest.mark.skipif(shutil.which('make') is None, reason='no make')
def test_make_ablation_runs_the_whole_grid():
    """``make ablation[-relational]`` globs the folder, in file-name order."""
    assert make_variable('ABLATION_CONFIGS') == FAMILIES['hard']
    assert make_variable('RELATIONAL_CONFIGS') == FAMILIES['relational']
    with open(osp.join(REPO, 'Makefile')) as f:
        makefile = f.read()
    target = makefile.split('ablation: ')[1].split('\n\n')[0]
    assert '--baseline $(ABLATION_DIR)/bfe_r18-dilated_synthetic-hard' \
        in target
    target = makefile.split('ablation-relational: ')[1].split('\n\n')[0]
    assert '--baseline $(ABLATION_DIR)/bfe_r18h-dilated_synthetic-relational'\
        in target and '--record' in target
