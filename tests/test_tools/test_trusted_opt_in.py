"""The opt-in of every tool loads an untrusted file, with one warning.

The files carry a payload that runs ``touch MARKER`` when unpickled: with
the opt-in it runs (the marker appears), which is what the opt-in means.
The tools run in this process; each refusal, in a fresh interpreter as from
the command line, is in tests/test_tools/test_untrusted_files.py.
"""
import glob
import os
import os.path as osp
import warnings

import numpy as np
import pytest
import torch
from tool_helpers import load_tool  # noqa: I100
from untrusted_helpers import make_tool_inputs, trusted_warnings, untrusted

from mmsona.utils import TRUST_ENV, TrustedCheckpointWarning


@pytest.fixture(scope='module')
def files(tmp_path_factory, tiny_synthetic_root):
    """Clean tool inputs on the tiny benchmark."""
    return make_tool_inputs(
        str(tmp_path_factory.mktemp('trusted')), tiny_synthetic_root)


@pytest.mark.slow
def test_test_tool_with_opt_in_evaluates_and_warns_once(
        files, tmp_path, capsys):
    path, marker = untrusted(files, tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        load_tool('test.py').main([
            files['config'], path, '--work-dir',
            str(tmp_path / 'w'), '--trust-checkpoint'
        ])
    assert 'reid/mAP' in capsys.readouterr().out
    messages = trusted_warnings(caught)
    assert len(messages) == 1 and repr(path) in messages[0]
    assert osp.exists(marker)


@pytest.mark.slow
def test_train_tool_with_opt_in_loads_and_trains(files, tmp_path):
    path, marker = untrusted(files, tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        load_tool('train.py').main([
            files['train_config'], '--work-dir',
            str(tmp_path / 'w'), '--cfg-options', f'load_from={path}',
            '--trust-checkpoint'
        ])
    messages = trusted_warnings(caught)
    assert messages and repr(path) in messages[0]
    assert osp.exists(marker)
    assert osp.isfile(tmp_path / 'w' / 'epoch_1.pth')


@pytest.mark.slow
def test_environment_variable_is_an_opt_in(files, tmp_path, monkeypatch):
    path, marker = untrusted(files, tmp_path)
    monkeypatch.setenv(TRUST_ENV, '1')
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        assert load_tool('extract_features.py').main([
            files['config'], path, '--img-dir',
            osp.join(files['data'], 'query'), '--out',
            str(tmp_path / 'f.npz')
        ]) == 0
    assert trusted_warnings(caught)
    assert osp.exists(marker)
    assert np.load(tmp_path / 'f.npz')['features'].shape[0] > 0


@pytest.mark.slow
def test_vis_rank_with_opt_in_draws(files, tmp_path, monkeypatch):
    monkeypatch.delenv(TRUST_ENV, raising=False)
    path, marker = untrusted(files, tmp_path, 'dump')
    with pytest.warns(TrustedCheckpointWarning, match=osp.basename(path)):
        assert load_tool('visualizations', 'vis_rank.py').main([
            files['config'], path, '--out-dir',
            str(tmp_path / 'vis'), '--num-queries', '2', '--trust-dump'
        ]) == 0
    assert osp.exists(marker)
    assert len(glob.glob(str(tmp_path / 'vis' / '*.png'))) == 2


@pytest.mark.slow
def test_other_tools_with_opt_in(files, tmp_path, monkeypatch):
    """pytorch2onnx, vis_attention and publish_model take the option."""
    monkeypatch.delenv(TRUST_ENV, raising=False)
    path, marker = untrusted(files, tmp_path)
    onnx = load_tool('deployment', 'pytorch2onnx.py')
    with pytest.warns(TrustedCheckpointWarning, match=osp.basename(path)):
        assert onnx.main([
            files['config'], path, '--shape', '128', '64', '--out',
            str(tmp_path / 'm.onnx'), '--trust-checkpoint'
        ]) == 0
    assert osp.isfile(tmp_path / 'm.onnx')
    os.remove(marker)
    attention = load_tool('visualizations', 'vis_attention.py')
    with pytest.warns(TrustedCheckpointWarning):
        assert attention.main([
            files['config'], path, files['img'], '--out',
            str(tmp_path / 'a.png'), '--trust-checkpoint'
        ]) == 0
    assert osp.exists(marker)
    os.remove(marker)
    publish = load_tool('misc', 'publish_model.py')
    with pytest.warns(TrustedCheckpointWarning):
        assert publish.main(
            [path, str(tmp_path / 'pub.pth'), '--trust-checkpoint']) == 0
    assert osp.exists(marker)
    os.remove(marker)
    published, = glob.glob(str(tmp_path / 'pub-*.pth'))
    content = torch.load(published, weights_only=True)
    assert 'note' not in content['meta']  # the payload is not published
    assert not osp.exists(marker)
