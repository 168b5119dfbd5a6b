"""Every config in ``configs/sona/`` and ``configs/ablation/`` builds, trains
a step and tests a step.

Configs are globbed, so a new one is covered without editing this file.
Configs whose model, optimiser and sampler settings are the same up to
``num_classes`` (one variant on several data sets) share one built model for
the steps; the others build only their head, the one part that differs.
"""
import glob
import logging
import os.path as osp
from functools import lru_cache

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.optim import build_optim_wrapper
from mmpretrain.structures import DataSample

from mmsona.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG_ROOT = osp.join(REPO, 'configs')
CONFIG_DIR = osp.join(CONFIG_ROOT, 'sona')
# Paths relative to configs/, e.g. 'sona/sona_r50_market.py'.
CONFIGS = sorted(
    osp.relpath(p, CONFIG_ROOT) for folder in ('sona', 'ablation')
    for p in glob.glob(osp.join(CONFIG_ROOT, folder, '*.py')))
IMG_SHAPE = (64, 32)

# name prefix -> (output stride, SONA stages, variable DropBlock+ height);
# the CPU demo's trunk is its own trade-off, its stride is not checked.
VARIANTS = {
    'bfe_r50': (16, (), False),
    'bfe_r50-dilated': (8, (), False),
    'bfe_r50-dilated-dbplus': (8, (), True),
    'sona2_r50': (8, (1, ), True),
    'sona3_r50': (8, (2, ), True),
    'sona_r50': (8, (1, 2), True),
    'sona4_r50': (8, (3, ), True),
    'sona_r18': (None, (1, 2), True),
}
# dataset suffix -> (dataset type, training identities, CUHK03 subset)
DATASETS = {
    'market': ('Market1501', 751, None),
    'duke': ('DukeMTMCreID', 702, None),
    'cuhk03-labeled': ('CUHK03', 767, 'labeled'),
    'cuhk03-detected': ('CUHK03', 767, 'detected'),
    'synthetic': ('SyntheticReID', None, None),
}


def split_name(name: str) -> tuple:
    """``'sona/sona2_r50_market.py'`` -> ``('sona2_r50', 'market')``."""
    stem = osp.splitext(osp.basename(name))[0]
    model, dataset = stem.rsplit('_', 1)
    return model, dataset


@lru_cache(maxsize=None)
def load(name: str) -> Config:
    cfg = Config.fromfile(osp.join(CONFIG_ROOT, name))
    cfg.model.backbone.init_cfg = None
    return cfg


def architecture_key(cfg: Config) -> str:
    """The model, optimiser and sampler config, ``num_classes`` aside."""
    model = cfg.model.copy()
    model.head = {**model.head, 'num_classes': None}
    sampler = cfg.train_dataloader.get('sampler', {})
    return repr((model, cfg.optim_wrapper, sampler.get('num_instances')))


def build(cfg: Config):
    model = MODELS.build(cfg.model)
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        model.init_weights()
    finally:
        logger.setLevel(level)
    return model


def pk_batch(num_ids: int, num_instances: int) -> dict:
    """Random uint8 images labelled P x K, as the identity sampler yields."""
    n = num_ids * num_instances
    return dict(
        inputs=[
            torch.randint(0, 256, (3, *IMG_SHAPE), dtype=torch.uint8)
            for _ in range(n)
        ],
        data_samples=[
            DataSample().set_gt_label(i // num_instances) for i in range(n)
        ])


_STEPPED = {}


def run_steps(cfg: Config) -> dict:
    """One training and one test step of a config's model (cached)."""
    key = architecture_key(cfg)
    if key in _STEPPED:
        return _STEPPED[key]
    torch.manual_seed(0)
    model = build(cfg)
    num_instances = cfg.train_dataloader.sampler.get('num_instances', 4)
    data = pk_batch(2, num_instances)
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    before = model.head.global_cls.weight.detach().clone()
    model.train()
    log_vars = model.train_step(data, optim_wrapper)
    updated = not torch.equal(before, model.head.global_cls.weight)
    model.eval()
    feat_maps = []
    hook = model.backbone.register_forward_hook(
        lambda module, args, out: feat_maps.append(out[-1].shape))
    preds = model.test_step(data)
    hook.remove()
    _STEPPED[key] = dict(
        log_vars=log_vars,
        updated=updated,
        feat_map=tuple(feat_maps[0]),
        sona_layers=sorted(model.backbone.sona_layers.keys()),
        preds=preds,
        feature_dim=model.head.feature_dim,
        batch=len(data['inputs']))
    return _STEPPED[key]


def test_configs_are_found():
    assert 'sona/sona_r50_market.py' in CONFIGS
    assert 'ablation/sona_r18_synthetic-hard.py' in CONFIGS
    assert len(CONFIGS) >= 29 + 11


@pytest.mark.slow
@pytest.mark.parametrize('name', CONFIGS)
def test_config_builds_and_steps(name):
    cfg = load(name)
    result = run_steps(cfg)
    head = MODELS.build(cfg.model.head)
    num_classes = cfg.model.head.num_classes
    # Both branches, or the global one alone (a global-pooling baseline).
    assert head.branches in (('global', 'local'), ('global', ))
    expected = {'loss'}
    for branch in head.branches:
        assert getattr(head, f'{branch}_cls').out_features == num_classes
        expected |= {f'loss_{branch}_triplet', f'loss_{branch}_cls'}

    losses = {k: v for k, v in result['log_vars'].items() if 'loss' in k}
    assert set(losses) == expected
    assert all(torch.isfinite(torch.as_tensor(v)) for v in losses.values())
    assert result['updated'], 'the optimiser step changed nothing'
    preds = result['preds']
    assert len(preds) == result['batch']
    feats = torch.stack([p.pred_feature for p in preds])
    assert feats.shape == (result['batch'], result['feature_dim'])
    assert bool(torch.isfinite(feats).all())


@pytest.mark.parametrize('name', CONFIGS)
def test_ablation_deltas(name):
    variant, dataset = split_name(name)
    if variant not in VARIANTS or dataset not in DATASETS:
        pytest.skip(f'{name}: no expected ablation recorded')
    stride, sona_stages, variable_block = VARIANTS[variant]
    cfg = load(name)
    backbone, head = cfg.model.backbone, cfg.model.head

    assert tuple(backbone.sona_stages) == sona_stages
    if stride == 16:
        assert tuple(backbone.strides) == (1, 2, 2, 1)
        assert tuple(backbone.dilations) == (1, 1, 1, 1)
    elif stride == 8:
        assert tuple(backbone.strides) == (1, 2, 1, 1)
        assert tuple(backbone.dilations) == (1, 1, 2, 4)
    h_range = tuple(head.dropblock.h_range)
    assert tuple(head.dropblock.w_range) == (1.0, 1.0)
    if variable_block:
        assert h_range == (0.1, 0.5)
    else:
        assert h_range == (0.33, 0.33)

    dataset_type, num_classes, subset = DATASETS[dataset]
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        ds = cfg[loader].dataset
        assert ds.type == dataset_type
        if subset is not None:
            assert ds.subset == subset
    if num_classes is not None:
        assert head.num_classes == num_classes
    assert cfg.train_dataloader.dataset.split == 'train'

    # The built model: SONA where configured, the feature map's stride.
    result = run_steps(cfg)
    h, w = IMG_SHAPE
    if stride is not None:
        assert result['feat_map'][-2:] == (h // stride, w // stride)
    assert result['sona_layers'] == [str(s) for s in sona_stages]


def test_paper_schedule_and_batch():
    cfg = load('sona/sona_r50_market.py')
    assert cfg.optim_wrapper.optimizer.type == 'Adam'
    assert cfg.optim_wrapper.optimizer.lr == 1e-3
    assert cfg.optim_wrapper.optimizer.weight_decay == 5e-4
    assert cfg.train_cfg.max_epochs == 400
    warmup, steps = cfg.param_scheduler
    assert (warmup.type, warmup.start_factor, warmup.step_size,
            warmup.end) == ('StepWarmupLR', 0.1, 5, 50)
    assert (steps.type, list(steps.milestones),
            steps.gamma) == ('MultiStepLR', [200, 300], 0.1)
    # 4 GPUs x 32 = P32 x K4; the LR scales from a total batch of 128.
    assert cfg.train_dataloader.batch_size == 32
    assert cfg.train_dataloader.sampler.num_instances == 4
    assert cfg.auto_scale_lr.base_batch_size == 128


def test_three_line_user_config_gives_sona2(tmp_path):
    user_cfg = tmp_path / 'my_sona2.py'
    base = osp.join(CONFIG_DIR, 'sona_r50_market.py')
    user_cfg.write_text(f'_base_ = {base!r}\n'
                        'model = dict(backbone=dict(sona_stages=(1, )))\n')
    cfg = Config.fromfile(str(user_cfg))
    reference = Config.fromfile(osp.join(CONFIG_DIR, 'sona2_r50_market.py'))
    assert cfg.to_dict() == reference.to_dict()

    cfg.model.backbone.init_cfg = None
    model = MODELS.build(cfg.model)
    assert list(model.backbone.sona_layers.keys()) == ['1']
    assert model.backbone.sona_layers['1'].in_channels == 512
