"""The model-zoo metafile lists every config with its measured cost."""
import glob
import os.path as osp

import pytest
import yaml
from mmengine.config import Config

from mmsona.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG_DIR = osp.join(REPO, 'configs', 'sona')


@pytest.fixture(scope='module')
def metafile():
    with open(osp.join(CONFIG_DIR, 'metafile.yml')) as f:
        return yaml.safe_load(f)


def test_every_config_listed_once(metafile):
    configs = sorted(
        osp.relpath(p, REPO) for p in glob.glob(osp.join(CONFIG_DIR, '*.py')))
    listed = [m['Config'] for m in metafile['Models']]
    assert sorted(listed) == configs
    for model in metafile['Models']:
        assert model['Name'] == osp.splitext(osp.basename(model['Config']))[0]
        assert model['In Collection'] == 'SONA-Net'
        assert model['Metadata']['FLOPs'] > 0
        assert model['Metadata']['Parameters'] > 0


def test_same_variant_same_flops_and_ratio(metafile):
    by_variant = {}
    for model in metafile['Models']:
        variant = model['Name'].rsplit('_', 1)[0]
        meta = model['Metadata']
        by_variant.setdefault(variant, set()).add(
            (meta['FLOPs'], meta.get('Latency Ratio')))
    assert all(len(v) == 1 for v in by_variant.values()), by_variant


@pytest.mark.slow
def test_parameters_match_the_built_models(metafile):
    """Parameters of the Market-1501 family and the demo (no tracing)."""
    for model in metafile['Models']:
        if not model['Name'].endswith(('_market', '_synthetic')):
            continue
        cfg = Config.fromfile(osp.join(REPO, model['Config']))
        cfg.model.backbone.init_cfg = None
        built = MODELS.build(cfg.model)
        params = sum(p.numel() for p in built.parameters())
        assert model['Metadata']['Parameters'] == params, model['Name']


def test_reported_results_are_the_papers(metafile):
    results = {
        m['Name']: m['Results'][0]['Metrics']
        for m in metafile['Models'] if m.get('Results')
    }
    assert results == {
        'bfe_r50_market': {
            'Rank-1': 95.3,
            'mAP': 86.2
        },
        'bfe_r50_duke': {
            'Rank-1': 88.9,
            'mAP': 75.9
        },
        'bfe_r50_cuhk03-labeled': {
            'Rank-1': 79.4,
            'mAP': 76.7
        },
        'bfe_r50_cuhk03-detected': {
            'Rank-1': 76.4,
            'mAP': 73.5
        },
    }
