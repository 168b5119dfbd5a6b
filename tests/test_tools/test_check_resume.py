"""tools/analysis_tools/check_resume.py in a reduced form: the shipped
dataloader settings (2 and 4 persistent workers) resume exactly."""
import os.path as osp

import pytest
from tool_helpers import REPO, TINY_MODEL, load_tool  # noqa: I100

# The tool runs here; its three trainings run in new processes.
check_resume = load_tool('analysis_tools', 'check_resume.py')

# The demo config as shipped (2 persistent workers, its pipeline), with a
# narrow model on the tiny benchmark.
DEMO = '''
_base_ = [{base!r}]
model = {model!r}
data = dict(data_root={data_root!r}, size='tiny')
train_dataloader = dict(batch_size=8, dataset=data)
val_dataloader = dict(dataset=data)
test_dataloader = val_dataloader
log_level = 'WARNING'
'''

# A Market-1501 config (4 persistent workers) on a fake Market tree.
MARKET = '''
_base_ = [{base!r}]
model = {model!r}
train_pipeline = [
    dict(type='LoadReIDImage'),
    dict(type='Resize', scale=(32, 64)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomCrop', crop_size=(64, 32), padding=4),
    dict(type='RandomSquareErase', size=12, prob=0.5),
    dict(type='PackReIDInputs'),
]
test_pipeline = [
    dict(type='LoadReIDImage'),
    dict(type='Resize', scale=(32, 64)),
    dict(type='PackReIDInputs'),
]
train_dataloader = dict(
    batch_size=8, dataset=dict(data_root={data_root!r},
                               pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(data_root={data_root!r}, pipeline=test_pipeline))
test_dataloader = val_dataloader
log_level = 'WARNING'
'''

# The tiny model in each: on the Market config's ResNet-50 base also depth
# 18 and no ImageNet weights.
TINY_MODELS = dict(
    demo=TINY_MODEL,
    market=dict(
        TINY_MODEL,
        backbone=dict(TINY_MODEL['backbone'], depth=18, init_cfg=None)))


@pytest.fixture(scope='module')
def fake_data(tmp_path_factory, tiny_synthetic_root):
    return tmp_path_factory.mktemp('check_resume'), tiny_synthetic_root


@pytest.mark.slow
@pytest.mark.parametrize('name,template,base,workers,during', [
    ('demo', DEMO, 'sona_r18_synthetic.py', 2, 'train'),
    ('market', MARKET, 'sona_r50_market.py', 4, 'save'),
])
def test_killed_run_with_data_workers_resumes_exactly(fake_data, name,
                                                      template, base, workers,
                                                      during, monkeypatch,
                                                      capsys):
    from mmengine.config import Config
    root, data_root = fake_data
    config = root / f'{name}.py'
    config.write_text(
        template.format(
            base=osp.join(REPO, 'configs', 'sona', base),
            data_root=data_root,
            model=TINY_MODELS[name]))
    loader = Config.fromfile(str(config)).train_dataloader
    assert loader.num_workers == workers and loader.persistent_workers
    monkeypatch.setenv('OMP_NUM_THREADS', '1')  # for the training processes
    code = check_resume.main([
        str(config), '--work-dir',
        str(root / f'work_{name}'), '--epochs', '3', '--kill-epoch', '2',
        '--kill-during', during
    ])
    out = capsys.readouterr()
    assert code == 0, out.out[-2000:] + out.err[-3000:]
    assert 'max abs weight difference: 0\n' in out.out
    assert 'exact resume: yes' in out.out
