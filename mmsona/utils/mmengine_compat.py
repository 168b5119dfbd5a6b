"""Every change ``import mmsona`` makes to MMEngine's and Python's state.

:func:`apply_mmengine_patches` is called once, from ``mmsona/__init__.py``;
no other module of mmsona changes a warnings filter, MMEngine's checkpoint
loaders, its root registries or its config-package table
(``tests/test_utils/test_mmengine_compat.py`` scans the sources for it).
Each patch is idempotent, and its docstring says what it fixes (``Fixes:``)
and when it can go (``Remove when:``). Checked against MMEngine 0.10.7 and
MMCV 2.2.0, the newest releases; ``docs/mmengine_compat.md`` lists the
private MMEngine names this relies on.
"""
import functools
import os.path as osp
import warnings
from typing import Callable, Iterable

import mmengine.config.config as mmengine_config
from mmengine.config.utils import MODULE2PACKAGE
from mmengine.registry import Registry
from mmengine.runner.checkpoint import CheckpointLoader

from .checkpoint_compat import load_from_local_weights_only

__all__ = [
    'apply_mmengine_patches', 'make_reachable_from_root',
    'patch_checkpoint_loading', 'register_config_package',
    'silence_mmcv_ops_warning'
]

#: The warning MMCV prints on import when its compiled ops are missing.
MMCV_OPS_WARNING = 'Fail to import ``MultiScaleDeformableAttention``'


def silence_mmcv_ops_warning() -> None:
    """Hide MMCV's warning about its missing compiled ops.

    Fixes: mmcv-lite has no compiled ops, and MMCV warns about one of them
    (``MultiScaleDeformableAttention``) on every import, although neither
    MMPretrain nor mmsona uses it.
    Remove when: MMCV stops warning without its ops (2.2.0 still does).
    """
    warnings.filterwarnings('ignore', message=MMCV_OPS_WARNING)


def patch_checkpoint_loading() -> None:
    """Make MMEngine load local paths with mmsona's safe loader.

    The loader is :func:`~mmsona.utils.checkpoint_compat.
    load_local_checkpoint` without trust: as strict as MMEngine's own
    loader on PyTorch >= 2.6 (and stricter than it where
    ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD`` is set, which it does not follow);
    files are unpickled fully only when trusted.

    Fixes: MMEngine 0.10.7 calls ``torch.load`` with PyTorch's default
    ``weights_only=True`` (PyTorch >= 2.6), so resuming from its own
    checkpoints fails with an UnpicklingError that names neither the file
    nor a way to opt in.
    Remove when: MMEngine's local loader has an opt-in to unpickle trusted
    files (open-mmlab/mmengine#1650 would turn ``weights_only`` off for
    every file instead, which is no replacement).
    """
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_from_local_weights_only, force=True)


def make_reachable_from_root(registries: Iterable[Registry]) -> None:
    """List each registry among its root's children too, by scope name.

    MMEngine 0.10's ``Registry.get('mmsona.X')``, called on a registry of
    another scope, looks in that registry's own children and then only in
    the root's *direct* children. mmsona's registries are grandchildren of
    the root (MMEngine -> MMPretrain -> mmsona), so from a project whose
    registries hang directly off MMEngine's, ``type='mmsona.X'`` failed with
    ``KeyError: 'mmsona.X is not in the <scope>::model registry'``.

    Each registry keeps MMPretrain's registry as its ``parent`` (unprefixed
    MMPretrain names still resolve from mmsona configs); the root only gains
    a second reference to the same object under the key ``'mmsona'``.
    MMEngine's depth-first ``_search_child`` (used to switch to a
    ``default_scope`` or ``_scope_``) finds that same object either way, and
    the walks over ``children`` (``is_model_wrapper``,
    ``traverse_registry_tree``) at most visit it twice. Nothing is changed
    where another registry already holds the scope name at the root.

    Fixes: ``type='mmsona.X'`` from mmdet/mmseg/mmpose-style projects.
    Remove when: ``Registry.get`` searches the whole tree below the root
    for a scope prefix (0.10.7 searches its direct children only).

    Args:
        registries (Iterable[Registry]): mmsona's registries.
    """
    for registry in registries:
        children = registry.root.children
        holder = children.setdefault(registry.scope, registry)
        if holder is not registry:
            warnings.warn(
                f'The root "{registry.root.name}" registry already has a '
                f'child with scope "{registry.scope}"; '
                f'type="{registry.scope}.X" may then not find mmsona\'s '
                'modules from other projects.')


def _mmsona_installed_path(get_installed_path: Callable) -> Callable:
    """Wrap MMEngine's ``get_installed_path`` to locate mmsona's sources.

    MMEngine looks for ``mmsona::<path>`` under
    ``<distribution location>/mmsona/.mim/configs``. For a PEP 660 editable
    install (``pip install -e .``) that folder does not exist: the
    distribution's metadata is in ``site-packages`` but the package stays
    in the source tree. mmsona's answer is therefore the folder of the
    imported package itself, for wheels and editable installs alike; other
    packages are passed to MMEngine's function unchanged.

    Args:
        get_installed_path (Callable): MMEngine's function.

    Returns:
        Callable: The wrapped function.
    """
    package_dir = osp.dirname(osp.dirname(osp.abspath(__file__)))

    @functools.wraps(get_installed_path)
    def wrapper(package: str) -> str:
        if package == 'mmsona':
            return package_dir
        return get_installed_path(package)

    wrapper.mmsona_wrapped = True
    return wrapper


def register_config_package() -> None:
    """Let configs inherit ``_base_ = 'mmsona::...'``.

    Adds ``mmsona`` to MMEngine's ``MODULE2PACKAGE`` table (module name ->
    pip package name), the only packages whose ``pkg::`` prefix MMEngine
    accepts, and wraps the ``get_installed_path`` that
    ``mmengine.config.config`` calls (:func:`_mmsona_installed_path`).

    Fixes: ``mmsona::`` bases are refused (the table lists OpenMMLab's own
    packages only) and, for editable installs, not found.
    Remove when: MMEngine accepts any installed package's ``pkg::`` prefix
    and finds configs of editable installs (0.10.7 does neither).
    """
    MODULE2PACKAGE.setdefault('mmsona', 'mmsona')
    if not getattr(mmengine_config.get_installed_path, 'mmsona_wrapped',
                   False):
        mmengine_config.get_installed_path = _mmsona_installed_path(
            mmengine_config.get_installed_path)


def apply_mmengine_patches() -> None:
    """Apply every patch of this module (idempotent).

    The warnings filter comes first, before the registries import MMCV.
    """
    silence_mmcv_ops_warning()
    patch_checkpoint_loading()
    register_config_package()
    from mmsona import registry
    make_reachable_from_root(
        getattr(registry, name) for name in registry.__all__)
