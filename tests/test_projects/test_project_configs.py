"""Every project config trains one iteration in a fresh interpreter.

Each config is loaded by a new Python process that has not imported mmsona
(``one_iteration.py`` checks it), so the config itself has to register
everything: the classification configs through ``custom_imports``, the
vehicle configs (pure-Python) through the classes they import. The same
config then trains one iteration
under ``default_scope='mmpretrain'`` and ``'mmsona'``, from the same seed,
which must give the same loss.
"""
import json
import math
import os
import os.path as osp
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCOPES = ('mmpretrain', 'mmsona')
CLS = 'projects/sona_classification/configs'
VEHICLE = 'projects/vehicle_reid/configs'


def _cls_overrides(data: dict, imagenet: bool = False) -> dict:
    overrides = {
        'train_dataloader.batch_size': 4,
        'train_dataloader.num_workers': 0,
        'train_dataloader.persistent_workers': False,
        'randomness': dict(seed=0, deterministic=True),
    }
    if imagenet:
        overrides['train_dataloader.dataset'] = dict(
            type='CustomDataset',
            data_root=data['cls_root'],
            data_prefix='train',
            pipeline=[
                dict(type='LoadImageFromFile'),
                dict(type='RandomResizedCrop', scale=64),
                dict(type='PackInputs')
            ])
    else:
        overrides['train_dataloader.dataset.data_root'] = data['cls_root']
    return overrides


def _vehicle_overrides(data: dict, full: bool = False) -> dict:
    overrides = {
        'train_dataloader.dataset.data_root': data['vehicle_root'],
        'train_dataloader.batch_size': 4,
        'train_dataloader.sampler.num_instances': 2,
        'train_dataloader.num_workers': 0,
        'train_dataloader.persistent_workers': False,
        'randomness': dict(seed=0, deterministic=True),
    }
    if full:
        # No ImageNet download in tests; small images.
        overrides['model.backbone.init_cfg'] = None
        # Type strings in JSON: prefixed, so any default scope finds them.
        overrides['train_dataloader.dataset.pipeline'] = [
            dict(type='mmsona.LoadReIDImage'),
            dict(type='Resize', scale=(64, 64)),
            dict(type='mmsona.PackReIDInputs')
        ]
    return overrides


# config, backbone class, whether running the config imports mmsona
CASES = {
    'sona-resnet50_8xb32_in1k':
    (f'{CLS}/sona-resnet50_8xb32_in1k.py', 'SONAResNet', True),
    'resnet18_1xb32_synthetic-cls':
    (f'{CLS}/resnet18_1xb32_synthetic-cls.py', 'ResNet', False),
    'sona-resnet18_1xb32_synthetic-cls':
    (f'{CLS}/sona-resnet18_1xb32_synthetic-cls.py', 'SONAResNet', True),
    'sona_r50_vehicle': (f'{VEHICLE}/sona_r50_vehicle.py', 'SONAResNet', True),
    'sona_r18_synthetic-vehicle':
    (f'{VEHICLE}/sona_r18_synthetic-vehicle.py', 'SONAResNet', True),
}


def _overrides(name: str, data: dict) -> dict:
    if name.startswith('sona_r'):
        return _vehicle_overrides(data, full=name == 'sona_r50_vehicle')
    return _cls_overrides(data, imagenet=name.endswith('in1k'))


def _run(name: str, data: dict, work_dir: str) -> subprocess.CompletedProcess:
    config = CASES[name][0]
    cmd = [
        sys.executable,
        osp.join(REPO, 'tests', 'test_projects', 'one_iteration.py'),
        osp.join(REPO, config), work_dir, '--scopes', *SCOPES, '--set',
        json.dumps(_overrides(name, data))
    ]
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    env['OMP_NUM_THREADS'] = '1'
    return subprocess.run(
        cmd,
        cwd=work_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300)


@pytest.fixture(scope='module')
def project_runs(project_data, tmp_path_factory):
    """Start every config's run (two at a time); map name -> future."""
    pool = ThreadPoolExecutor(max_workers=2)
    futures = {}
    for name in CASES:
        work_dir = str(tmp_path_factory.mktemp(name))
        futures[name] = pool.submit(_run, name, project_data, work_dir)
    yield futures
    pool.shutdown(wait=True)


@pytest.mark.slow
@pytest.mark.parametrize('name', list(CASES))
def test_one_iteration_in_both_scopes(name, project_runs):
    _, backbone, imports_mmsona = CASES[name]
    out = project_runs[name].result()
    assert out.returncode == 0, out.stderr[-3000:]
    results = [
        json.loads(line) for line in out.stdout.splitlines()
        if line.startswith('{')
    ]
    assert [r['scope'] for r in results] == list(SCOPES)
    for r in results:
        assert r['backbone'] == backbone
        assert r['mmsona_imported_by_config'] is imports_mmsona
        assert math.isfinite(r['loss']) and r['loss'] > 0
    # Same seed, same modules: the default scope changes nothing.
    assert results[0]['loss'] == pytest.approx(results[1]['loss'], rel=1e-5)
