"""ONNX export, feature extraction, picture and log tools of tools/."""
import argparse
import glob
import json
import os.path as osp

import cv2
import numpy as np
import pytest
from tool_helpers import load_tool, make_tiny_checkpoint  # noqa: I100

from mmsona.analysis import load_scalar_log

TOOLS = [
    ('extract_features.py', ),
    ('visualizations', 'vis_attention.py'),
    ('visualizations', 'vis_rank.py'),
    ('deployment', 'pytorch2onnx.py'),
    ('analysis_tools', 'analyze_logs.py'),
]


@pytest.fixture(scope='module')
def tiny(tmp_path_factory, tiny_synthetic_root):
    """Config, checkpoint (active SONA blocks), data and a test dump."""
    root = tmp_path_factory.mktemp('tools')
    config, ckpt, data_root = make_tiny_checkpoint(
        str(root), tiny_synthetic_root)
    dump = str(root / 'feats.pth')
    load_tool('test.py').main(
        [config, ckpt, '--work-dir',
         str(root / 'test'), '--out', dump])
    return dict(root=root, config=config, ckpt=ckpt, data=data_root, dump=dump)


def _parsers(module, argv):
    """Every argparse parser a tool builds while parsing ``argv``."""
    seen = []
    original = argparse.ArgumentParser.parse_args

    def spy(self, args=None, namespace=None):
        seen.append(self)
        return original(self, args, namespace)

    argparse.ArgumentParser.parse_args = spy
    try:
        with pytest.raises(SystemExit) as info:
            module.parse_args(argv)
    finally:
        argparse.ArgumentParser.parse_args = original
    assert info.value.code == 0
    return seen


@pytest.mark.parametrize('parts', TOOLS, ids=lambda p: p[-1])
def test_help_documents_every_option(parts, capsys):
    module = load_tool(*parts)
    parsers = _parsers(module, ['--help'])
    out = capsys.readouterr().out
    assert out.startswith('usage:')
    for parser in parsers:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    for sub_action in sub._actions:
                        assert sub_action.help, sub_action.dest
                continue
            assert action.help, (parts, action.dest)
            for option in action.option_strings:
                assert option in out


@pytest.mark.parametrize('parts', TOOLS[:4], ids=lambda p: p[-1])
def test_missing_config_is_a_clear_error(parts, tmp_path, capsys):
    module = load_tool(*parts)
    missing = str(tmp_path / 'no_such_config.py')
    argv = {
        'extract_features.py':
        [missing, 'x.pth', '--img-dir', '.', '--out', 'f.npz'],
        'vis_attention.py': [missing, 'x.pth', 'img.jpg', '--out', 'a.png'],
        'vis_rank.py': [missing, 'feats.pth', '--out-dir', 'vis'],
        'pytorch2onnx.py': [missing, 'x.pth'],
    }[parts[-1]]
    assert module.main(argv) == 2
    err = capsys.readouterr().err
    assert 'no_such_config.py' in err and 'does not exist' in err


@pytest.mark.slow
def test_missing_inputs_after_the_config(tiny, tmp_path, capsys):
    extract = load_tool('extract_features.py')
    assert extract.main([
        tiny['config'], tiny['ckpt'], '--img-dir',
        str(tmp_path / 'nodir'), '--out', 'f.npz'
    ]) == 2
    assert 'nodir' in capsys.readouterr().err
    assert extract.main([
        tiny['config'], tiny['ckpt'], '--img-dir',
        str(tmp_path), '--out', 'f.npz'
    ]) == 2
    assert 'no image' in capsys.readouterr().err
    attention = load_tool('visualizations', 'vis_attention.py')
    assert attention.main([
        tiny['config'], tiny['ckpt'],
        str(tmp_path / 'ghost.jpg'), '--out', 'a.png'
    ]) == 2
    assert 'ghost.jpg' in capsys.readouterr().err
    rank = load_tool('visualizations', 'vis_rank.py')
    assert rank.main([tiny['config'], tiny['ckpt'], '--out-dir', 'x']) == 2
    assert 'not a tools/test.py --out' in capsys.readouterr().err
    logs = load_tool('analysis_tools', 'analyze_logs.py')
    assert logs.main(['plot_curve', 'nope.json', '--out', 'c.png']) == 2
    assert 'nope.json' in capsys.readouterr().err


@pytest.mark.slow
def test_onnx_export_matches_pytorch(tiny, tmp_path, capsys):
    import onnx
    tool = load_tool('deployment', 'pytorch2onnx.py')
    out = str(tmp_path / 'model.onnx')
    code = tool.main([
        tiny['config'], tiny['ckpt'], '--shape', '128', '64',
        '--dynamic-batch', '--batch-size', '2', '--out', out, '--verify'
    ])
    printed = capsys.readouterr().out
    assert code == 0, printed
    diffs = [
        float(line.rsplit(' ', 1)[-1]) for line in printed.splitlines()
        if 'max abs diff to PyTorch' in line
    ]
    assert len(diffs) == 2 and max(diffs) < 1e-4
    model = onnx.load(out)
    assert {node.domain for node in model.graph.node} <= {'', 'ai.onnx'}
    ops = {node.op_type for node in model.graph.node}
    assert {'Softmax', 'MatMul', 'Conv'} <= ops
    dim = model.graph.input[0].type.tensor_type.shape.dim[0]
    assert dim.dim_param == 'batch'
    meta = {p.key: json.loads(p.value) for p in model.metadata_props}
    assert meta['to_rgb'] is True and len(meta['mean']) == 3


@pytest.mark.slow
def test_extract_features_tool_writes_paths_and_features(tiny, tmp_path):
    from mmsona.apis import FeatureExtractor
    tool = load_tool('extract_features.py')
    img_dir = osp.join(tiny['data'], 'query')
    out = str(tmp_path / 'sub' / 'feats.npz')
    assert tool.main([
        tiny['config'], tiny['ckpt'], '--img-dir', img_dir, '--out', out,
        '--batch-size', '16'
    ]) == 0
    saved = np.load(out)
    names = sorted(osp.basename(p) for p in glob.glob(img_dir + '/*.jpg'))
    assert list(saved['paths']) == names
    ref = FeatureExtractor(tiny['config'], tiny['ckpt'])(
        [osp.join(img_dir, n) for n in names[:3]], progress=False)
    assert np.allclose(saved['features'][:3], ref.numpy(), atol=1e-5)


@pytest.mark.slow
def test_vis_rank_and_vis_attention_write_pictures(tiny, tmp_path, capsys):
    rank = load_tool('visualizations', 'vis_rank.py')
    assert rank.main([
        tiny['config'], tiny['dump'], '--out-dir',
        str(tmp_path / 'ranks'), '--num-queries', '3', '--topk', '4'
    ]) == 0
    pictures = glob.glob(str(tmp_path / 'ranks' / 'rank_q*.png'))
    assert len(pictures) == 3
    attention = load_tool('visualizations', 'vis_attention.py')
    img = sorted(glob.glob(osp.join(tiny['data'], 'query', '*.jpg')))[0]
    out = str(tmp_path / 'attention.png')
    assert attention.main([
        tiny['config'], tiny['ckpt'], img, '--position', '20,30', '--stage',
        '1', '--out', out
    ]) == 0
    assert cv2.imread(out).shape == cv2.imread(img).shape
    assert 'sums to 1.0000' in capsys.readouterr().out
    assert attention.main([
        tiny['config'], tiny['ckpt'], img, '--position', '500,3', '--out', out
    ]) == 2
    assert 'outside' in capsys.readouterr().err


def test_plot_curve_and_train_time(tmp_path, capsys):
    log = tmp_path / 'scalars.json'
    lines = []
    for it in range(1, 9):
        lines.append(
            dict(
                lr=1e-3,
                loss=2.0 / it,
                time=0.1,
                epoch=(it - 1) // 4 + 1,
                iter=it,
                step=it))
        if it % 4 == 0:
            lines.append({'reid/mAP': 10.0 * it, 'step': it // 4})
    log.write_text('\n'.join(json.dumps(r) for r in lines))
    tool = load_tool('analysis_tools', 'analyze_logs.py')
    out = str(tmp_path / 'curve.png')
    assert tool.main(
        ['plot_curve',
         str(log), '--keys', 'loss', 'reid/mAP', '--out', out]) == 0
    assert cv2.imread(out) is not None
    xs, ys, label = tool.curve(load_scalar_log(str(log)), 'reid/mAP')
    assert (xs, ys, label) == ([1, 2], [40.0, 80.0], 'epoch')
    assert tool.main(['plot_curve',
                      str(log), '--keys', 'acc', '--out', out]) == 2
    err = capsys.readouterr().err
    assert "Key 'acc' is not in the log; available keys:" in err
    assert 'loss' in err and 'reid/mAP' in err
    assert tool.main(['cal_train_time', str(log)]) == 0
    assert 'mean iteration time: 0.1000 s' in capsys.readouterr().out
