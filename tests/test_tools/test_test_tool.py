"""tools/test.py honours --out and --show-dir in both config styles."""
import glob
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from tool_helpers import (REPO, load_tool, make_tiny_checkpoint,
                          tiny_model_options)

from mmsona.utils import is_config_type

CONFIGS = {
    'classic': osp.join(REPO, 'configs', 'sona', 'sona_r18_synthetic.py'),
    'pure': osp.join(REPO, 'mmsona', 'configs', 'sona',
                     'sona_r18_synthetic.py'),
}


def _tiny_options(data_root: str):
    return tiny_model_options() + [
        f'test_dataloader.dataset.data_root={data_root}',
        'test_dataloader.dataset.size=tiny', 'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False', 'log_level=WARNING'
    ]


def _enabled_vis_hooks(cfg):
    return [
        h for h in cfg.custom_hooks
        if is_config_type(h['type'], 'ReIDVisualizationHook')
        and h.get('enable', True)
    ]


@pytest.mark.parametrize('style', sorted(CONFIGS))
def test_show_dir_leaves_exactly_one_enabled_vis_hook(style):
    test_tool = load_tool('test.py')
    args = test_tool.parse_args(
        [CONFIGS[style], 'x.pth', '--show-dir', 'pics', '--out', 'f.pth'])
    cfg = test_tool.merge_args(Config.fromfile(CONFIGS[style]), args)
    vis = [
        h for h in cfg.custom_hooks
        if is_config_type(h['type'], 'ReIDVisualizationHook')
    ]
    assert len(vis) == 1 and vis[0]['enable'] is True
    assert vis[0]['out_dir'] == 'pics'
    assert cfg.test_evaluator['dump_features'] == 'f.pth'


@pytest.fixture(scope='module')
def tiny_checkpoint(tmp_path_factory, tiny_synthetic_root):
    root = tmp_path_factory.mktemp('test_tool')
    _, ckpt, data_root = make_tiny_checkpoint(str(root), tiny_synthetic_root)
    return root, ckpt, data_root


@pytest.mark.slow
@pytest.mark.parametrize('style', sorted(CONFIGS))
def test_out_and_show_dir_write_their_files(tiny_checkpoint, style):
    root, ckpt, data_root = tiny_checkpoint
    work = root / style
    out = work / 'feats.pth'
    env = dict(os.environ, OMP_NUM_THREADS='1')
    env['PYTHONPATH'] = os.pathsep.join([REPO, env.get('PYTHONPATH', '')])
    run = subprocess.run([
        sys.executable,
        osp.join(REPO, 'tools', 'test.py'), CONFIGS[style], ckpt, '--work-dir',
        str(work), '--out',
        str(out), '--show-dir', 'pics', '--cfg-options',
        *_tiny_options(data_root)
    ],
                         capture_output=True,
                         text=True,
                         cwd=str(root),
                         env=env,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    dump = torch.load(out, weights_only=False)
    assert dump['query_feats'].shape[1] == 48
    pictures = glob.glob(str(work / 'pics' / '**' / '*.png'), recursive=True)
    assert pictures, os.listdir(work)
