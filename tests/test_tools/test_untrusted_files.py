"""Every tool refuses a checkpoint or dump that would run code.

The files carry a payload that runs ``touch MARKER`` when unpickled; the
marker shows whether it ran. tests/test_tools/test_trusted_opt_in.py runs
the same tools with the opt-in.
"""
import os.path as osp

import pytest
from untrusted_helpers import make_tool_inputs, run_tool, untrusted

from mmsona.utils import TRUST_ENV


@pytest.fixture(scope='module')
def files(tmp_path_factory, tiny_synthetic_root):
    """Clean tool inputs on the tiny benchmark."""
    return make_tool_inputs(
        str(tmp_path_factory.mktemp('untrusted')), tiny_synthetic_root)


# tool: (script below tools/, arguments, the opt-in the refusal names);
# {evil} is the untrusted file, {tmp} the test's folder.
CASES = {
    'test.py': (('test.py', ), ['{config}', '{evil}', '--work-dir',
                                '{tmp}/w'], '--trust-checkpoint'),
    'train.py load_from': (('train.py', ), [
        '{train_config}', '--work-dir', '{tmp}/w', '--cfg-options',
        'load_from={evil}'
    ], '--trust-checkpoint'),
    'train.py --resume PATH':
    (('train.py', ),
     ['{train_config}', '--work-dir', '{tmp}/w', '--resume',
      '{evil}'], '--trust-checkpoint'),
    'extract_features.py': (('extract_features.py', ), [
        '{config}', '{evil}', '--img-dir', '{data}/query', '--out',
        '{tmp}/f.npz'
    ], '--trust-checkpoint'),
    'pytorch2onnx.py':
    (('deployment', 'pytorch2onnx.py'),
     ['{config}', '{evil}', '--shape', '128', '64', '--out',
      '{tmp}/m.onnx'], '--trust-checkpoint'),
    'vis_attention.py':
    (('visualizations', 'vis_attention.py'),
     ['{config}', '{evil}', '{img}', '--out',
      '{tmp}/a.png'], '--trust-checkpoint'),
    'vis_rank.py': (('visualizations', 'vis_rank.py'),
                    ['{config}', '{evil}', '--out-dir',
                     '{tmp}/vis'], '--trust-dump'),
    'publish_model.py': (('misc', 'publish_model.py'),
                         ['{evil}', '{tmp}/pub.pth'], '--trust-checkpoint'),
}


@pytest.mark.slow
@pytest.mark.parametrize('case', list(CASES))
def test_every_tool_refuses_and_names_file_and_opt_in(files, tmp_path, case):
    parts, argv, opt_in = CASES[case]
    path, marker = untrusted(files, tmp_path,
                             'dump' if case == 'vis_rank.py' else 'ckpt')
    argv = [a.format(evil=path, tmp=tmp_path, **files) for a in argv]
    out = run_tool(parts, argv, tmp_path)
    assert out.returncode != 0, out.stdout[-2000:]
    assert f'Refusing to unpickle {path!r}' in out.stderr, out.stderr[-3000:]
    assert opt_in in out.stderr and TRUST_ENV in out.stderr
    assert 'Traceback' not in out.stderr
    assert not osp.exists(marker)


@pytest.mark.slow
def test_resume_auto_trusts_nothing_outside_the_work_dir(files, tmp_path):
    path, marker = untrusted(files, tmp_path)
    work_dir = tmp_path / 'w'
    work_dir.mkdir()
    (work_dir / 'last_checkpoint').write_text(path)
    out = run_tool(
        ('train.py', ),
        [files['train_config'], '--work-dir',
         str(work_dir), '--resume'], tmp_path)
    assert out.returncode != 0
    assert f'Refusing to unpickle {path!r}' in out.stderr, out.stderr[-3000:]
    assert not osp.exists(marker)
