"""Build nested modules from mmsona's registry whatever the default scope."""
from typing import Any

from mmsona.registry import MODELS

__all__ = ['build_model_in_scope']


def build_model_in_scope(cfg: dict, **default_args: Any) -> Any:
    """Build a module config inside mmsona's scope.

    MMEngine builds a config in the *default* scope, so when another project
    (default scope ``mmpretrain``) builds ``mmsona.ReIDNet``, the unprefixed
    names in its nested configs (``SONAResNet``, ``DropBlockPlus`` ...) would
    be looked up in that project's registry. Nested configs are therefore
    built with ``_scope_='mmsona'``; MMPretrain and MMEngine names still
    resolve through the parent registries.

    Args:
        cfg (dict): Module config with ``type``.
        **default_args: Default arguments of the module.

    Returns:
        Any: The built module.
    """
    cfg = dict(cfg)
    cfg.setdefault('_scope_', 'mmsona')
    return MODELS.build(cfg, default_args=default_args or None)
