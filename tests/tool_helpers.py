"""Helpers shared by the tests that run tools/ scripts on a tiny model."""
import importlib.util
import os
import os.path as osp
from types import ModuleType
from typing import Dict, List, Optional, Tuple

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))

#: The tiny test model: the demo config's model
#: (``configs/sona/sona_r18_synthetic.py``) with a narrow trunk and head, for
#: the tiny synthetic benchmark (12 training identities). The tests that need
#: a small model take it from here: as config overrides, as ``--cfg-options``
#: (:func:`tiny_model_options`) or inside a config file
#: (:func:`tiny_model_config`).
TINY_MODEL = dict(
    backbone=dict(stem_channels=16, base_channels=16),
    head=dict(in_channels=128, num_classes=12, global_dim=16, local_dim=32))

# The tiny model on the tiny benchmark: ``base`` (the demo config path),
# ``data_root`` and ``model`` (:data:`TINY_MODEL`) to fill in.
TINY_MODEL_CONFIG = '''
_base_ = [{base!r}]
model = {model!r}
test_dataloader = dict(
    batch_size=64, num_workers=0, persistent_workers=False,
    dataset=dict(data_root={data_root!r}, size='tiny'))
val_dataloader = test_dataloader
log_level = 'WARNING'
'''


def tiny_model_config(base: str, data_root: str) -> str:
    """The text of a config of the tiny model on the tiny benchmark.

    Args:
        base (str): Path of the demo config it inherits.
        data_root (str): Folder of the tiny synthetic benchmark.

    Returns:
        str: Config text (test and val dataloaders on ``data_root``).
    """
    return TINY_MODEL_CONFIG.format(
        base=base, data_root=data_root, model=TINY_MODEL)


def tiny_model_options() -> List[str]:
    """:data:`TINY_MODEL` as ``--cfg-options`` items.

    Returns:
        list[str]: ``model.backbone.stem_channels=16`` and so on.
    """
    return [
        f'model.{part}.{key}={value}' for part, settings in TINY_MODEL.items()
        for key, value in settings.items()
    ]


def make_tiny_checkpoint(root: str, data_root: str) -> Tuple[str, str, str]:
    """Tiny-model config and a checkpoint with active SONA.

    The SONA blocks' output BN weights are drawn at random (they start at
    zero), so the attention changes the features.

    Args:
        root (str): Folder to write ``tiny.py`` and ``tiny.pth`` to.
        data_root (str): The tiny synthetic benchmark (the
            ``tiny_synthetic_root`` fixture).

    Returns:
        tuple[str, str, str]: Config path, checkpoint path and data root.
    """
    import torch

    from mmsona.apis import get_model
    config = osp.join(root, 'tiny.py')
    with open(config, 'w') as f:
        f.write(
            tiny_model_config(
                osp.join(REPO, 'configs', 'sona', 'sona_r18_synthetic.py'),
                data_root))
    model = get_model(config)
    torch.manual_seed(0)
    for block in model.backbone.sona_layers.values():
        torch.nn.init.normal_(block.out_norm.weight, std=0.5)
    ckpt = osp.join(root, 'tiny.pth')
    torch.save(dict(state_dict=model.state_dict(), meta={}), ckpt)
    return config, ckpt, data_root


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


# ``PYTHONPATH`` entry that makes processes see one CUDA device.
ONE_GPU_MACHINE = osp.join(
    osp.dirname(osp.abspath(__file__)), 'one_gpu_machine')


def cpu_processes_env(base: Optional[Dict[str, str]] = None,
                      on_one_gpu_machine: bool = True) -> Dict[str, str]:
    """Environment for processes that must train on the CPU (gloo).

    ``CUDA_VISIBLE_DEVICES`` is emptied, so that a machine with fewer GPUs
    than processes (or any GPU) still takes mmsona's CPU set-up instead of
    MMEngine's one GPU per process. With ``on_one_gpu_machine`` the
    processes also see a simulated CUDA device (``ONE_GPU_MACHINE``), so the
    set-up is checked where CUDA exists even on a machine without a GPU.

    Args:
        base (dict, optional): Environment to extend. Defaults to
            ``os.environ``.
        on_one_gpu_machine (bool): Simulate one CUDA device. Defaults to
            True.

    Returns:
        dict: The environment.
    """
    env = dict(os.environ if base is None else base)
    env['CUDA_VISIBLE_DEVICES'] = ''
    if on_one_gpu_machine:
        paths = [ONE_GPU_MACHINE] + [
            p for p in env.get('PYTHONPATH', '').split(os.pathsep) if p
        ]
        env['PYTHONPATH'] = os.pathsep.join(paths)
    return env
