"""Registration of every mmsona module and the default scope."""
import datetime
import warnings

from mmengine import DefaultScope

__all__ = ['register_all_modules']


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every mmsona module so that it is in the registries.

    Args:
        init_default_scope (bool): Whether to make ``mmsona`` the default
            scope, so that registries build from mmsona's node first.
            Defaults to True.
    """
    import mmpretrain.utils
    mmpretrain.utils.register_all_modules(init_default_scope=False)

    import mmsona.datasets  # noqa: F401
    import mmsona.engine  # noqa: F401
    import mmsona.evaluation  # noqa: F401
    import mmsona.models  # noqa: F401
    import mmsona.visualization  # noqa: F401

    if not init_default_scope:
        return
    current_scope = DefaultScope.get_current_instance()
    if current_scope is None:
        DefaultScope.get_instance('mmsona', scope_name='mmsona')
    elif current_scope.scope_name != 'mmsona':
        warnings.warn(
            f'The current default scope "{current_scope.scope_name}" is not '
            '"mmsona"; register_all_modules switches it to "mmsona". Pass '
            'init_default_scope=False to keep it.')
        DefaultScope.get_instance(
            f'mmsona-{datetime.datetime.now()}', scope_name='mmsona')
