"""Searching a gallery of unlabelled images: feature cache, indexes,
re-ranking and the files a search writes."""
from .errors import (CacheMismatchError, EmptyGalleryError,
                     MissingDependencyError, QueryError, SearchError)
from .feature_cache import CacheUpdate, GalleryFeatureCache
from .fingerprint import file_sha256, model_fingerprint
from .html_report import write_html_report
from .image_files import IMG_EXTENSIONS, list_images
from .image_loader import ImageLoader
from .index import (INDEX_TYPES, BaseIndex, ExactIndex, FaissIndex,
                    build_index, load_or_build_index)
from .query import Query, crop_box, expand_queries, parse_query
from .rank_pictures import picture_name, write_rank_pictures
from .rerank import rerank_candidates
from .results import Match, QueryResult, write_results_csv, write_results_json

__all__ = [
    'BaseIndex', 'CacheMismatchError', 'CacheUpdate', 'EmptyGalleryError',
    'ExactIndex', 'FaissIndex', 'GalleryFeatureCache', 'IMG_EXTENSIONS',
    'INDEX_TYPES', 'ImageLoader', 'Match', 'MissingDependencyError', 'Query',
    'QueryError', 'QueryResult', 'SearchError', 'build_index', 'crop_box',
    'expand_queries', 'file_sha256', 'list_images', 'load_or_build_index',
    'model_fingerprint', 'parse_query', 'picture_name', 'rerank_candidates',
    'write_html_report', 'write_rank_pictures', 'write_results_csv',
    'write_results_json'
]
