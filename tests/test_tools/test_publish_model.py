"""Checkpoints of a real run load with weights_only=True; publish_model."""
import glob
import hashlib
import os.path as osp
import re
import shutil
import warnings

import numpy as np
import pytest
import torch
from tool_helpers import load_tool  # noqa: I100
from untrusted_helpers import trusted_warnings

from mmsona.utils import non_plain_entries, restore_message_hub


@pytest.fixture(scope='module')
def trained(tmp_path_factory, make_tiny_demo_cfg, tiny_synthetic_root):
    """One tiny epoch of the demo config under the Runner."""
    from mmengine.runner import Runner
    root = tmp_path_factory.mktemp('publish')
    cfg = make_tiny_demo_cfg(
        str(root / 'run'), tiny_synthetic_root, max_epochs=1)
    cfg.log_level = 'WARNING'
    config = str(root / 'run.py')
    cfg.dump(config)
    Runner.from_cfg(cfg).train()
    return dict(root=root, config=config, work_dir=str(root / 'run'))


@pytest.mark.slow
def test_training_checkpoints_load_with_weights_only(trained):
    files = sorted(glob.glob(osp.join(trained['work_dir'], '*.pth')))
    assert len(files) == 2  # epoch_1.pth and the best checkpoint
    for path in files:
        assert torch.serialization.get_unsafe_globals_in_checkpoint(
            path) == [], path
        ckpt = torch.load(path, map_location='cpu', weights_only=True)
        scalars = ckpt['message_hub']['log_scalars']
        assert scalars and all(v['type'] == 'mmengine.logging.HistoryBuffer'
                               for v in scalars.values())
        assert isinstance(ckpt['rng_states'][0]['numpy'][1], torch.Tensor)


def _metrics(stdout: str) -> list:
    return [line for line in stdout.splitlines() if line.startswith('reid/')]


@pytest.mark.slow
def test_published_file_loads_plainly_and_tests_identically(trained, capsys):
    root = trained['root']
    original = osp.join(trained['work_dir'], 'epoch_1.pth')
    assert load_tool('misc', 'publish_model.py').main(
        [original, str(root / 'sona_tiny.pth')]) == 0
    stdout = capsys.readouterr().out
    published, = glob.glob(str(root / 'sona_tiny-*.pth'))
    digest = hashlib.sha256(open(published, 'rb').read()).hexdigest()
    assert re.fullmatch(r'sona_tiny-[0-9a-f]{8}\.pth', osp.basename(published))
    assert published.endswith(f'-{digest[:8]}.pth')
    assert published in stdout and 'optimizer' in stdout

    content = torch.load(published, weights_only=True)  # no allowlist
    assert set(content) == {'state_dict', 'meta'}
    meta = content['meta']
    assert {'cfg', 'mmsona_version', 'dataset_meta'} <= set(meta)
    assert 'ReIDNet' in meta['cfg']
    assert meta['dataset_meta']['num_pids'] == 12
    assert not non_plain_entries(content)

    results = {}
    test_tool = load_tool('test.py')
    for name, ckpt in (('original', original), ('published', published)):
        dump = str(root / f'{name}_feats.pth')
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            test_tool.main([
                trained['config'], ckpt, '--work-dir',
                str(root / f'test_{name}'), '--out', dump
            ])
        assert not trusted_warnings(caught)
        results[name] = (_metrics(capsys.readouterr().out),
                         torch.load(dump, weights_only=True))
    assert results['original'][0] and \
        results['original'][0] == results['published'][0]
    for key in ('query_feats', 'gallery_feats'):
        assert torch.equal(results['original'][1][key],
                           results['published'][1][key])


@pytest.mark.slow
def test_resume_auto_trusts_an_older_checkpoint_of_its_own_run(
        trained, tmp_path):
    """Checkpoints saved before mmsona wrote plain data still resume."""
    work_dir = tmp_path / 'run'
    shutil.copytree(trained['work_dir'], work_dir)
    ckpt_path = str(work_dir / 'epoch_1.pth')
    ckpt = torch.load(ckpt_path, weights_only=True)
    restore_message_hub(ckpt['message_hub'])  # HistoryBuffer objects
    for state in ckpt['rng_states']:
        name, key, *rest = state['numpy']
        state['numpy'] = (name, key.numpy().astype(np.uint32), *rest)
    torch.save(ckpt, ckpt_path)
    assert torch.serialization.get_unsafe_globals_in_checkpoint(ckpt_path)
    (work_dir / 'last_checkpoint').write_text(ckpt_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        load_tool('train.py').main([
            trained['config'], '--work-dir',
            str(work_dir), '--resume', '--cfg-options',
            'train_cfg.max_epochs=2'
        ])
    messages = trusted_warnings(caught)
    assert messages and repr(ckpt_path) in messages[0]
    assert (work_dir / 'epoch_2.pth').is_file()


def test_publish_help_documents_every_option(capsys):
    tool = load_tool('misc', 'publish_model.py')
    with pytest.raises(SystemExit):
        tool.parse_args(['--help'])
    out = capsys.readouterr().out
    assert 'weights_only=True' in out and '--trust-checkpoint' in out
    assert tool.published_name('a/b.pth', 'abcdef0123') == 'a/b-abcdef01.pth'
    assert tool.published_name('b', 'abcdef0123') == 'b-abcdef01.pth'


@pytest.mark.slow
def test_resume_never_runs_config_text_from_a_checkpoint(trained, tmp_path):
    """MMEngine runs ``meta['config']`` as a Python config on resume."""
    marker = tmp_path / 'marker'
    ckpt = torch.load(
        osp.join(trained['work_dir'], 'epoch_1.pth'), weights_only=True)
    ckpt['meta']['config'] = f'x = __import__("os").system("touch {marker}")'

    evil = str(tmp_path / 'evil.pth')
    torch.save(ckpt, evil)  # plain data: it loads with weights_only=True
    with pytest.warns(UserWarning, match=r"Ignoring meta\['config'\]"):
        load_tool('train.py').main([
            trained['config'], '--work-dir',
            str(tmp_path / 'w'), '--resume', evil
        ])
    assert not marker.exists()
