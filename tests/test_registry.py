"""mmsona components from other OpenMMLab projects' configs."""
import subprocess
import sys
import textwrap

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
