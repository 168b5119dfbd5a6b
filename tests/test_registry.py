"""mmsona components from other OpenMMLab projects' configs."""
import contextlib
import subprocess
import sys
import textwrap
import uuid

import pytest
import torch

from mmsona import registry


def test_registries_are_children_of_mmpretrain():
    from mmpretrain import registry as mmpretrain_registry
    for name in registry.__all__:
        child = getattr(registry, name)
        assert child.scope == 'mmsona'
        assert child.parent is getattr(mmpretrain_registry, name), name


def test_mmpretrain_components_resolve_in_mmsona_scope():
    assert registry.MODELS.get('ResNet') is not None
    assert registry.MODELS.get('LabelSmoothLoss') is not None
    assert registry.MODELS.get('SONA') is not None


@pytest.mark.slow
def test_custom_imports_from_a_clean_interpreter(tmp_path):
    """A config of another project builds mmsona modules by scope prefix."""
    cfg = tmp_path / 'other_project.py'
    cfg.write_text(
        textwrap.dedent("""
        default_scope = 'mmpretrain'
        custom_imports = dict(imports=['mmsona'], allow_failed_imports=False)
        sona = dict(type='mmsona.SONA', in_channels=64, reduction=4)
        drop = dict(type='mmsona.DropBlockPlus', h_range=(0.2, 0.4))
        loss = dict(type='mmsona.TripletLoss', margin=0.3)
        head = dict(type='mmsona.DualBranchHead', in_channels=64,
                    num_classes=5, global_dim=16, local_dim=32)
        """))
    script = textwrap.dedent(f"""
        import sys
        from mmengine.config import Config
        from mmengine.registry import DefaultScope, MODELS
        assert 'mmsona' not in sys.modules
        cfg = Config.fromfile({str(cfg)!r})
        assert 'mmsona' in sys.modules  # imported by custom_imports
        DefaultScope.get_instance('other', scope_name=cfg.default_scope)
        import torch
        sona = MODELS.build(cfg.sona)
        drop = MODELS.build(cfg.drop)
        loss = MODELS.build(cfg.loss)
        head = MODELS.build(cfg.head)
        x = torch.rand(2, 64, 6, 4)
        assert sona(x).shape == x.shape
        print(type(sona).__module__, type(drop).__name__,
              type(loss).__name__, head.feature_dim)
        """)
    out = subprocess.run([sys.executable, '-c', script],
                         capture_output=True,
                         text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [
        'mmsona.models.layers.sona', 'DropBlockPlus', 'TripletLoss', '48'
    ]


def _third_party_models(scope: str):
    """A models registry hanging directly off MMEngine's, like mmdet's."""
    from mmengine.registry import MODELS as MMENGINE_MODELS
    from mmengine.registry import Registry
    return Registry('model', parent=MMENGINE_MODELS, scope=scope)


@contextlib.contextmanager
def third_party_scope():
    """A throwaway ``thirdparty_<id>`` project scope, removed afterwards."""
    from mmengine.registry import MODELS as MMENGINE_MODELS
    from mmengine.registry import DefaultScope
    scope = f'thirdparty_{uuid.uuid4().hex[:8]}'
    models = _third_party_models(scope)
    try:
        with DefaultScope.overwrite_default_scope(scope):
            yield models
    finally:
        MMENGINE_MODELS.children.pop(scope, None)


def test_registries_are_reachable_from_the_root_by_scope():
    for name in registry.__all__:
        child = getattr(registry, name)
        assert child.root.children['mmsona'] is child, name
        assert child.root._search_child('mmsona') is child, name


@pytest.mark.slow
@pytest.mark.parametrize('cfg', [
    dict(type='mmsona.SONA', in_channels=16),
    dict(type='mmsona.DropBlockPlus', h_range=(0.2, 0.4)),
    dict(type='mmsona.TripletLoss', margin=0.3),
    dict(
        type='mmsona.DualBranchHead',
        in_channels=16,
        num_classes=3,
        global_dim=8,
        local_dim=8),
    dict(
        type='mmsona.SONAResNet',
        depth=18,
        sona_stages=(1, ),
        sona_cfg=dict(reduction=2)),
    dict(type='mmsona.FirstOrderNonLocal', in_channels=16),
    dict(
        type='mmsona.SONAResNet',
        depth=18,
        sona_stages=(1, ),
        sona_cfg=dict(type='FirstOrderNonLocal', reduction=2)),
])
def test_scope_prefix_from_a_direct_child_of_the_root(cfg):
    """``mmsona.X`` from a project whose registries are MMEngine's children.

    Nested configs (SONA in SONAResNet, LabelSmoothLoss in the head) build
    in mmsona's scope whatever the default scope.
    """
    from mmengine.registry import MODELS as MMENGINE_MODELS
    with third_party_scope() as models:
        module = models.build(cfg)
        # The Runner's path: the root registry switches to the default
        # scope's registry first.
        again = MMENGINE_MODELS.build(cfg)
    name = cfg['type'].split('.')[1]
    assert type(module).__name__ == type(again).__name__ == name
    if name == 'SONAResNet':
        block = cfg['sona_cfg'].get('type', 'SONA')
        assert type(module.sona_layers['1']).__name__ == block
        out = module(torch.rand(2, 3, 64, 64))
        assert out[0].shape == (2, 512, 2, 2)
    if name == 'DualBranchHead':
        assert type(module.cls_loss).__name__ == 'LabelSmoothLoss'


def test_scope_prefix_needs_the_root_entry(monkeypatch):
    """Without the root entry MMEngine 0.10 cannot find mmsona (the bug)."""
    from mmengine.registry import MODELS as MMENGINE_MODELS
    monkeypatch.delitem(MMENGINE_MODELS.children, 'mmsona')
    with third_party_scope() as models:
        with pytest.raises(KeyError, match='mmsona.SONA'):
            models.build(dict(type='mmsona.SONA', in_channels=8))


def test_register_into_a_third_project_scope():
    from mmsona.models import SONA
    with third_party_scope() as models:
        models.register_module(module=SONA)
        sona = models.build(dict(type='SONA', in_channels=8))
        assert models.get('SONA') is SONA
    assert isinstance(sona, SONA)


@pytest.mark.parametrize('scope', ['mmpretrain', 'mmsona', 'thirdparty'])
def test_sona_as_mmcv_plugin_layer(scope):
    from mmcv.cnn import build_plugin_layer
    from mmengine.registry import DefaultScope
    context = third_party_scope() if scope == 'thirdparty' else \
        DefaultScope.overwrite_default_scope(scope)
    with context:
        name, layer = build_plugin_layer(
            dict(type='mmsona.SONA', reduction=2),
            postfix='_3',
            in_channels=16)
    assert name == 'sona_3'
    x = torch.rand(2, 16, 5, 3)
    # The block starts as the identity (zero-initialised output BN).
    layer.init_weights()
    assert torch.equal(layer(x), x)


def test_mmsona_config_prefix(tmp_path):
    """``_base_ = 'mmsona::...'`` resolves to the package's .mim configs."""
    import os.path as osp

    from mmengine.config import Config
    from mmengine.config.utils import MODULE2PACKAGE

    import mmsona
    assert MODULE2PACKAGE['mmsona'] == 'mmsona'
    mim_configs = osp.join(osp.dirname(mmsona.__file__), '.mim', 'configs')
    assert osp.isdir(mim_configs), (
        f'{mim_configs} is missing: install mmsona (pip install -e . or '
        'make install) to create mmsona/.mim.')
    cfg_file = tmp_path / 'other_project.py'
    cfg_file.write_text("_base_ = 'mmsona::sona/sona_r18_synthetic.py'\n"
                        'model = dict(head=dict(num_classes=7))\n')
    cfg = Config.fromfile(str(cfg_file))
    assert cfg.model.type == 'ReIDNet'
    # MMEngine tags every inherited module config with the base's scope.
    assert cfg.model._scope_ == 'mmsona'
    assert cfg.train_dataloader.dataset._scope_ == 'mmsona'
    assert cfg.model.backbone.depth == 18
    assert cfg.model.head.num_classes == 7
    # Only mmsona's location is answered differently (editable installs).
    import mmengine.config.config as mmengine_config
    from mmengine.utils import get_installed_path
    assert mmengine_config.get_installed_path('mmsona') == osp.dirname(
        mmsona.__file__)
    assert mmengine_config.get_installed_path(
        'mmpretrain') == get_installed_path('mmpretrain')


@pytest.mark.slow
def test_docs_snippets_run():
    """Every ``python`` block of docs/registry.md runs as written."""
    import os.path as osp
    import re
    doc = osp.join(
        osp.dirname(osp.dirname(osp.abspath(__file__))), 'docs', 'registry.md')
    with open(doc) as f:
        blocks = re.findall(r'```python\n(.*?)```', f.read(), re.S)
    assert len(blocks) == 6
    script = textwrap.dedent("""
        import sys
        for i, code in enumerate(sys.argv[1:]):
            exec(compile(code, f'registry.md block {i}', 'exec'), {})
            print(f'block {i} ok', flush=True)
        """)
    out = subprocess.run([sys.executable, '-c', script, *blocks],
                         capture_output=True,
                         text=True,
                         timeout=180)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
    assert out.stdout.count(' ok') == len(blocks)
    assert 'sona_3' in out.stdout and 'SONAResNet SONA' in out.stdout
