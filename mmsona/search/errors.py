"""Errors of the gallery search, each a one-line message for the user."""

__all__ = [
    'SearchError', 'EmptyGalleryError', 'QueryError', 'CacheMismatchError',
    'MissingDependencyError'
]


class SearchError(Exception):
    """Base class: the search cannot go on; ``str(error)`` says why."""


class EmptyGalleryError(SearchError):
    """The gallery folder holds no readable image."""


class QueryError(SearchError):
    """A query does not exist, cannot be read or has a bad box."""


class CacheMismatchError(SearchError):
    """The feature cache was written by another model (or is damaged)."""


class MissingDependencyError(SearchError):
    """An optional package (faiss) is needed and not installed."""
