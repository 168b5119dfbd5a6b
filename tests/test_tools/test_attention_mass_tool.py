"""tools/analysis_tools/attention_mass.py on tiny relational models."""
import csv
import os.path as osp

import pytest
import torch
from tool_helpers import REPO, load_tool, tiny_model_config  # noqa: I100

tool = load_tool('analysis_tools', 'attention_mass.py')


@pytest.fixture(scope='module')
def relational(tmp_path_factory):
    """Tiny relational benchmark and two tiny models (SONA, first-order)."""
    from mmsona.apis import get_model
    from mmsona.datasets.synthetic import generate_synthetic_reid
    root = tmp_path_factory.mktemp('attention_mass')
    data_root = str(root / 'data')
    generate_synthetic_reid(
        data_root, 'tiny', seed=0, difficulty='relational', num_workers=1)
    base = osp.join(REPO, 'configs', 'sona', 'sona_r18_synthetic.py')
    out = {}
    for name, extra in (('sona', ''),
                        ('nl',
                         "model['backbone']['sona_cfg'] = dict(_delete_=True, "
                         "type='FirstOrderNonLocal', reduction=4)\n")):
        config = str(root / f'{name}.py')
        with open(config, 'w') as f:
            f.write(
                tiny_model_config(base, data_root) +
                "test_dataloader['dataset']['difficulty'] = 'relational'\n" +
                extra)
        model = get_model(config)
        torch.manual_seed(0)
        for block in model.backbone.sona_layers.values():
            weight = getattr(block, 'out_norm', None)
            weight = weight.weight if weight is not None else \
                block.conv_out.conv.weight
            torch.nn.init.normal_(weight, std=0.5)
        ckpt = str(root / f'{name}.pth')
        torch.save(dict(state_dict=model.state_dict(), meta={}), ckpt)
        out[name] = (config, ckpt)
    return out


@pytest.mark.slow
@pytest.mark.parametrize('name', ['sona', 'nl'])
def test_tool_prints_and_writes_masses(relational, name, tmp_path, capsys):
    config, ckpt = relational[name]
    table, picture = str(tmp_path / 'mass.csv'), str(tmp_path / 'mass.png')
    assert tool.main([
        config, ckpt, '--max-images', '40', '--csv', table, '--picture',
        picture
    ]) == 0
    out = capsys.readouterr().out
    assert '| hat -> shoes |' in out and 'Wrote' in out
    with open(table) as f:
        rows = list(csv.DictReader(f))
    # Two attention blocks (after layer2 and layer3) x four pairs.
    assert [(r['stage'], r['pair'])
            for r in rows][:4] == [('1', 'hat -> shoes'), ('1', 'hat -> belt'),
                                   ('1', 'belt -> shoes'),
                                   ('1', 'hat -> upper')]
    assert len(rows) == 8
    for row in rows:
        for key in ('no_match', 'chance'):
            assert 0 <= float(row[key]) <= 1
        if row['pair'] == 'hat -> upper':
            # The upper garment never wears a relational colour.
            assert int(row['n_match']) == 0
        else:
            assert int(row['n_match']) > 0 and int(row['n_no_match']) > 0
    with open(picture, 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'


def test_tool_refuses_other_benchmarks(tmp_path, capsys):
    config = osp.join(REPO, 'configs', 'sona', 'sona_r18_synthetic.py')
    ckpt = tmp_path / 'x.pth'
    ckpt.write_bytes(b'')
    assert tool.main([config, str(ckpt)]) == 2
    assert "difficulty='relational'" in capsys.readouterr().err


@pytest.mark.slow
def test_untrusted_checkpoint_is_refused(relational, tmp_path):
    from untrusted_helpers import make_untrusted_copy, run_tool
    config, ckpt = relational['sona']
    marker = str(tmp_path / 'marker')
    evil = make_untrusted_copy(ckpt, str(tmp_path / 'evil.pth'), marker)
    out = run_tool(('analysis_tools', 'attention_mass.py'),
                   [config, evil, '--max-images', '4'], tmp_path)
    assert out.returncode == 2
    assert f'Refusing to unpickle {evil!r}' in out.stderr
    assert '--trust-checkpoint' in out.stderr
    assert not osp.exists(marker)
