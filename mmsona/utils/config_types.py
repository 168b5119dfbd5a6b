"""Compare the ``type`` of a config entry with classes or registry names.

Classic configs name a component by a registry string (``'ReIDMetric'``,
``'mmsona.ReIDMetric'``); pure-Python configs (``mmsona/configs/...``) hold
the class itself. Code that inspects a config must accept both.
"""
from typing import Any, Optional, Tuple, Union

__all__ = ['config_type_name', 'is_config_type']

TypeSpec = Union[str, type]


def _split_scope(name: str) -> Tuple[Optional[str], str]:
    """``'mmsona.ReIDMetric'`` -> ``('mmsona', 'ReIDMetric')``."""
    scope, dot, rest = name.rpartition('.')
    return (scope or None) if dot else None, rest


def config_type_name(value: Any) -> str:
    """The registry name, without scope, of a config ``type``.

    Args:
        value (Any): A registry name (with or without a scope prefix), a
            class, or anything else (then its ``str``).

    Returns:
        str: ``'ReIDMetric'`` for ``'ReIDMetric'``, ``'mmsona.ReIDMetric'``
        and the ``ReIDMetric`` class; ``''`` for None.
    """
    if value is None:
        return ''
    if isinstance(value, type):
        return value.__name__
    return _split_scope(str(value))[1]


def _names_match(name: str, target: str) -> bool:
    scope, bare = _split_scope(name)
    target_scope, target_bare = _split_scope(target)
    if bare != target_bare:
        return False
    return scope is None or target_scope is None or scope == target_scope


def _class_matches(cls: type, target: TypeSpec) -> bool:
    if isinstance(target, type):
        return issubclass(cls, target)
    bare = _split_scope(target)[1]
    return any(base.__name__ == bare for base in cls.__mro__)


def is_config_type(value: Any, *targets: TypeSpec) -> bool:
    """Whether a config ``type`` is one of ``targets``.

    A class matches a target class it derives from, or a target name that
    it or one of its bases has. A name matches a target name when the names
    agree and, where both carry a scope (``mmsona.``), the scopes too; it
    matches a target class by that class's name.

    Args:
        value (Any): The ``type`` of a config entry (a name or a class).
        *targets (str | type): Names (``'ReIDMetric'`` or
            ``'mmsona.ReIDMetric'``) or classes.

    Returns:
        bool: True if any target matches.
    """
    if value is None:
        return False
    for target in targets:
        if isinstance(value, type):
            if _class_matches(value, target):
                return True
        elif isinstance(value, str):
            target_name = target.__name__ if isinstance(target,
                                                        type) else target
            if _names_match(value, target_name):
                return True
    return False
