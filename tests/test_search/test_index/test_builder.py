"""build_index: a faiss index without faiss installed names the extra."""
import pytest

from mmsona.search import build_index


def test_exact_index_without_faiss(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, 'faiss', None)
    from mmsona.search import MissingDependencyError
    with pytest.raises(MissingDependencyError, match='mmsona\\[faiss\\]'):
        build_index('faiss-hnsw')
    assert build_index('exact').ntotal == 0
