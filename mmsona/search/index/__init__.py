"""Nearest-neighbour indexes of gallery features: exact and faiss."""
from .base_index import METRICS, BaseIndex
from .builder import INDEX_TYPES, build_index
from .exact_index import ExactIndex
from .faiss_index import FaissIndex, import_faiss
from .index_store import load_or_build_index

__all__ = [
    'BaseIndex', 'ExactIndex', 'FaissIndex', 'INDEX_TYPES', 'METRICS',
    'build_index', 'import_faiss', 'load_or_build_index'
]
