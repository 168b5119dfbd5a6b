"""load_or_build_index: a saved index is reused until the features change."""
import os.path as osp

import pytest
from search_helpers import clustered_features  # noqa: I100

from mmsona.search import build_index, load_or_build_index


def test_faiss_index_is_saved_and_reused_until_the_features_change(tmp_path):
    pytest.importorskip('faiss')
    feats, query = clustered_features(2000, 5, 32, 100, seed=5)
    logs = []
    first = build_index('faiss-ivf', 'euclidean')
    assert not load_or_build_index(first, feats, str(tmp_path), 'v1',
                                   logs.append)
    assert osp.isfile(tmp_path / 'index_faiss-ivf.bin')
    again = build_index('faiss-ivf', 'euclidean')
    assert load_or_build_index(again, feats, str(tmp_path), 'v1', logs.append)
    assert (again.search(query, 5)[1] == first.search(query, 5)[1]).all()
    changed = build_index('faiss-ivf', 'euclidean')
    assert not load_or_build_index(changed, feats[:1500], str(tmp_path), 'v2',
                                   logs.append)
    assert changed.ntotal == 1500 and len(logs) == 2
