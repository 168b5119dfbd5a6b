"""Model utilities."""
from .scoped_build import build_model_in_scope

__all__ = ['build_model_in_scope']
