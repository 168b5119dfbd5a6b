"""Helpers shared by the tests that run tools/ scripts on a tiny model."""
import importlib.util
import os.path as osp
from types import ModuleType

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))

# A narrow demo model on the tiny synthetic benchmark: fill in ``base`` (the
# demo config path) and ``data_root``.
TINY_MODEL_CONFIG = '''
_base_ = [{base!r}]
model = dict(
    backbone=dict(stem_channels=16, base_channels=16),
    head=dict(in_channels=128, num_classes=12, global_dim=16, local_dim=32))
test_dataloader = dict(
    batch_size=64, num_workers=0, persistent_workers=False,
    dataset=dict(data_root={data_root!r}, size='tiny'))
val_dataloader = test_dataloader
log_level = 'WARNING'
'''


def load_tool(*parts: str) -> ModuleType:
    """Import a script of tools/ as a module.

    Args:
        *parts (str): Path of the script below tools/.

    Returns:
        ModuleType: The imported script.
    """
    path = osp.join(REPO, 'tools', *parts)
    spec = importlib.util.spec_from_file_location(
        'tool_' + '_'.join(parts).replace('.py', ''), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
