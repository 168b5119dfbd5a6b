"""Model utilities."""
from .autocast import autocast_disabled
from .scoped_build import build_model_in_scope

__all__ = ['autocast_disabled', 'build_model_in_scope']
