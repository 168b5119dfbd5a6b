"""ReIDSearcher and its parts: indexes, feature cache, queries, re-ranking.

The searcher's own tests use a stand-in extractor (pixels of a 4 x 2 grid
as the feature), so they need no model; tests/test_tools/test_search_tool.py
runs the real tiny model end to end.
"""
import json
import os
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

import mmsona.apis.searcher as searcher_module
from mmsona.apis import ReIDSearcher
from mmsona.evaluation.functional import compute_distance, re_ranking
from mmsona.search import (CacheMismatchError, EmptyGalleryError, ExactIndex,
                           GalleryFeatureCache, Query, QueryError, build_index,
                           expand_queries, list_images, load_or_build_index,
                           parse_query, rerank_candidates)


def naive_topk(query, gallery, k, metric):
    """Top-k by a full sort of the distance matrix, ties by index."""
    dist = compute_distance(
        torch.as_tensor(query, dtype=torch.float64),
        torch.as_tensor(gallery, dtype=torch.float64),
        metric=metric).numpy()
    order = np.argsort(dist, axis=1, kind='stable')[:, :k]
    return np.take_along_axis(dist, order, 1), order


def clustered_features(num_gallery, num_query, dim, num_ids, seed):
    """Re-ID-like gallery and query features: identity centres + noise."""
    rng = np.random.default_rng(seed)
    num = num_gallery + num_query
    centres = rng.standard_normal((num_ids, dim)).astype(np.float32)
    ids = rng.integers(0, num_ids, num)
    feats = centres[ids] + 0.6 * rng.standard_normal(
        (num, dim)).astype(np.float32)
    return feats[:num_gallery], feats[num_gallery:]


@pytest.mark.parametrize('metric', ['euclidean', 'cosine'])
def test_exact_index_equals_a_full_sort(metric):
    rng = np.random.default_rng(0)
    gallery = rng.standard_normal((301, 16)).astype(np.float32)
    gallery[200] = gallery[100]  # a duplicate: ties go by index
    query = np.concatenate(
        [gallery[100:101],
         rng.standard_normal((12, 16)).astype(np.float32)])
    # Tiny blocks: many query blocks and gallery chunks to merge.
    index = ExactIndex(metric, block_elements=97)
    index.add(gallery)
    dist, idx = index.search(query, 10)
    ref_d, ref_i = naive_topk(query, gallery, 10, metric)
    assert dist.shape == idx.shape == (13, 10)
    assert (idx == ref_i).all()
    assert idx[0, 0] == 100 and idx[0, 1] == 200
    np.testing.assert_allclose(dist, ref_d, atol=2e-3)
    # More neighbours than gallery items: all of them.
    assert index.search(query[:2], 1000)[1].shape == (2, 301)


@pytest.mark.parametrize('metric', ['euclidean', 'cosine'])
def test_faiss_flat_returns_the_exact_top_k(metric):
    pytest.importorskip('faiss')
    feats, query = clustered_features(3000, 40, 48, 300, seed=1)
    exact = ExactIndex(metric)
    exact.add(feats)
    flat = build_index('faiss-flat', metric)
    flat.add(feats)
    e_dist, e_idx = exact.search(query, 10)
    f_dist, f_idx = flat.search(query, 10)
    assert (f_idx == e_idx).all()
    np.testing.assert_allclose(f_dist, e_dist, atol=1e-3)


@pytest.mark.slow
@pytest.mark.parametrize('index_type', ['faiss-ivf', 'faiss-hnsw'])
@pytest.mark.parametrize('metric', ['euclidean', 'cosine'])
def test_approximate_faiss_indexes_reach_recall_095(index_type, metric):
    pytest.importorskip('faiss')
    feats, query = clustered_features(8000, 200, 64, 800, seed=3)
    exact = ExactIndex(metric)
    exact.add(feats)
    truth = exact.search(query, 10)[1]
    index = build_index(index_type, metric)
    index.add(feats)
    found = index.search(query, 10)[1]
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, truth)])
    assert recall >= 0.95, f'{index_type} recall@10 {recall:.3f}'


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


def test_exact_index_without_faiss(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, 'faiss', None)
    from mmsona.search import MissingDependencyError
    with pytest.raises(MissingDependencyError, match='mmsona\\[faiss\\]'):
        build_index('faiss-hnsw')
    assert build_index('exact').ntotal == 0


def write_image(path, value, size=(64, 32)):
    """A small BGR image whose pixels depend on ``value``."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    rng = np.random.default_rng(value)
    img = rng.integers(0, 256, (size[0], size[1], 3), dtype=np.uint8)
    assert cv2.imwrite(path, img)
    return img


def fake_embed(paths):
    """Stand-in embedding: mean colour, or a reason for unreadable files."""
    feats, reasons = [], []
    for path in paths:
        img = cv2.imread(path)
        reasons.append('' if img is not None else 'not an image')
        if img is not None:
            feats.append(img.reshape(-1, 3).mean(0))
    return np.array(feats, np.float32).reshape(-1, 3), reasons


def test_feature_cache_embeds_only_new_or_changed_files(tmp_path):
    gallery = str(tmp_path / 'gallery')
    for i, name in enumerate(['a.jpg', 'sub/b c.png', 'sub/deep/ü.JPG']):
        write_image(osp.join(gallery, name), i)
    with open(osp.join(gallery, 'broken.jpg'), 'w') as f:
        f.write('not an image')
    cache_dir = str(tmp_path / 'cache')
    calls = []

    def embed(paths):
        calls.extend(paths)
        return fake_embed(paths)

    cache = GalleryFeatureCache(cache_dir, 'model-1')
    cache.load()
    update = cache.refresh(gallery, embed, batch_size=2, progress=False)
    assert (update.num_embedded, update.num_reused) == (3, 0)
    assert update.skipped == [('broken.jpg', 'not an image')]
    assert cache.paths == ['a.jpg', 'sub/b c.png', 'sub/deep/ü.JPG']
    ref = fake_embed([osp.join(gallery, p) for p in cache.paths])[0]
    np.testing.assert_allclose(cache.features, ref)

    # Unchanged folder: nothing embedded, the broken file not decoded again.
    calls.clear()
    again = GalleryFeatureCache(cache_dir, 'model-1')
    again.load()
    update = again.refresh(gallery, embed, progress=False)
    assert (update.num_embedded, update.num_reused) == (0, 3)
    assert calls == [] and len(update.skipped) == 1

    # One file changed, one added, one removed.
    write_image(osp.join(gallery, 'a.jpg'), 10)
    stat = os.stat(osp.join(gallery, 'a.jpg'))
    os.utime(
        osp.join(gallery, 'a.jpg'),
        ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    write_image(osp.join(gallery, 'new.png'), 11)
    os.remove(osp.join(gallery, 'sub/b c.png'))
    third = GalleryFeatureCache(cache_dir, 'model-1')
    third.load()
    update = third.refresh(gallery, embed, progress=False)
    assert (update.num_embedded, update.num_reused,
            update.num_removed) == (2, 1, 1)
    assert third.paths == ['a.jpg', 'new.png', 'sub/deep/ü.JPG']
    ref = fake_embed([osp.join(gallery, p) for p in third.paths])[0]
    np.testing.assert_allclose(third.features, ref)
    assert again.version != third.version

    # Another model: refused with one line, replaced on request.
    other = GalleryFeatureCache(cache_dir, 'model-2')
    with pytest.raises(CacheMismatchError, match='another model') as err:
        other.load()
    assert '\n' not in str(err.value)
    other.load(rebuild=True)
    assert other.refresh(gallery, embed, progress=False).num_embedded == 3
    with open(osp.join(cache_dir, 'meta.json')) as f:
        assert json.load(f)['fingerprint'] == 'model-2'

    # A damaged cache is named, not trusted.
    with open(osp.join(cache_dir, 'meta.json'), 'w') as f:
        f.write('{')
    with pytest.raises(CacheMismatchError, match='damaged'):
        GalleryFeatureCache(cache_dir, 'model-2').load()


def test_list_images_skips_hidden_and_excluded_folders(tmp_path):
    for name in ['x.jpg', '.hidden/y.jpg', 'out/z.jpg', 'sub/w.bmp', 'a.txt']:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b'')
    assert list_images(
        str(tmp_path),
        exclude=[str(tmp_path / 'out')]) == ['sub/w.bmp', 'x.jpg']


def test_queries_files_folders_and_boxes(tmp_path):
    write_image(str(tmp_path / 'q' / 'b.jpg'), 0)
    write_image(str(tmp_path / 'q' / 'a.jpg'), 1)
    frame = str(tmp_path / 'frame.jpg')
    write_image(frame, 2)
    assert parse_query(frame + ':1,2,30,40') == (frame, (1, 2, 30, 40))
    assert parse_query(frame) == (frame, None)
    queries = expand_queries([str(tmp_path / 'q'), frame + ':0,0,8,9'])
    assert [osp.basename(q.path)
            for q in queries] == ['a.jpg', 'b.jpg', 'frame.jpg']
    assert queries[2].box == (0, 0, 8, 9)
    assert queries[2].label == frame + ':0,0,8,9'
    for bad, message in ((str(tmp_path / 'missing.jpg'),
                          'does not exist'), (frame + ':5,5,5,9', 'x1 < x2'),
                         (str(tmp_path / 'q') + ':0,0,4,4', 'is a folder')):
        with pytest.raises(QueryError, match=message):
            expand_queries([bad])


def test_rerank_over_a_pool_covering_the_gallery_is_full_re_ranking():
    feats, query = clustered_features(60, 5, 8, 12, seed=6)
    candidates = np.tile(np.arange(60), (5, 1))
    dist, idx = rerank_candidates(query, feats, candidates, topk=7)
    full = re_ranking(torch.from_numpy(query), torch.from_numpy(feats))
    order = np.argsort(full.numpy(), axis=1, kind='stable')[:, :7]
    assert (idx == order).all()
    np.testing.assert_allclose(
        dist, np.take_along_axis(full.numpy(), order, 1), atol=1e-5)
    # A pool of a few candidates: only they are ranked.
    few = np.array([[3, 9, -1], [9, 20, 3], [1, 2, 3], [3, 4, 5], [5, 6, 7]])
    idx = rerank_candidates(query, feats, few, topk=10)[1]
    assert idx.shape == (5, 9) and set(
        idx.ravel()) == {1, 2, 3, 4, 5, 6, 7, 9, 20}


class PixelExtractor:
    """Stand-in for FeatureExtractor: a 4 x 2 grid of mean colours."""

    batch_size = 4
    file_pipeline = None

    def __init__(self) -> None:
        self.cfg = Config(
            dict(
                model=dict(type='Pixels'),
                test_evaluator=dict(type='ReIDMetric', metric='euclidean')))
        self.num_images = 0

    def extract(self, images, progress=False):
        self.num_images += len(images)
        return torch.stack([
            torch.from_numpy(
                cv2.resize(img, (2, 4), interpolation=cv2.INTER_AREA).astype(
                    np.float32).ravel() / 255) for img in images
        ])


@pytest.fixture
def pixel_searcher(monkeypatch, tmp_path):
    """A ReIDSearcher whose model is PixelExtractor."""
    monkeypatch.setattr(searcher_module, 'build_search_model',
                        lambda *args: PixelExtractor())
    ckpt = tmp_path / 'model.pth'
    ckpt.write_bytes(b'weights')

    def make(**kwargs):
        return ReIDSearcher('unused.py', str(ckpt), device='cpu', **kwargs)

    return make


def test_searcher_ranks_copies_and_crops_first(pixel_searcher, tmp_path):
    gallery = str(tmp_path / 'gallery')
    images = {
        name: write_image(osp.join(gallery, name), i, size=(64, 32))
        for i, name in enumerate(
            ['cam1/p 1.jpg', 'cam1/p2.png', 'cam2/<b>&.jpg', 'x.bmp'])
    }
    with open(osp.join(gallery, 'cam2', 'bad.jpg'), 'wb') as f:
        f.write(b'\xff\xd8 truncated')
    frame = np.zeros((200, 300, 3), np.uint8)
    frame[50:114, 100:132] = images['cam1/p2.png']
    frame_file = str(tmp_path / 'frame.png')
    cv2.imwrite(frame_file, frame)
    copy = str(tmp_path / 'copy.jpg')
    shutil.copyfile(osp.join(gallery, 'cam2/<b>&.jpg'), copy)

    searcher = pixel_searcher()
    update = searcher.index_gallery(
        gallery, str(tmp_path / 'cache'), progress=False)
    assert update.num_embedded == 4
    assert [rel for rel, _ in update.skipped] == ['cam2/bad.jpg']
    results = searcher.search([copy, frame_file + ':100,50,132,114'], topk=3)
    assert [r.matches[0].path
            for r in results] == ['cam2/<b>&.jpg', 'cam1/p2.png']
    assert all(len(r.matches) == 3 for r in results)
    assert [m.rank for m in results[0].matches] == [1, 2, 3]
    assert results[0].matches[0].distance < 1e-3 < results[0].matches[
        1].distance
    assert results[1].query == Query(frame_file, (100, 50, 132, 114))
    reranked = searcher.search(copy, topk=3, rerank=True)
    assert len(reranked[0].matches) == 3

    # A rerun embeds nothing; another checkpoint is refused.
    again = pixel_searcher()
    assert again.index_gallery(
        gallery, str(tmp_path / 'cache'), progress=False).num_embedded == 0
    (tmp_path / 'model.pth').write_bytes(b'other weights')
    with pytest.raises(CacheMismatchError):
        pixel_searcher().index_gallery(gallery, str(tmp_path / 'cache'))


def test_searcher_clear_errors(pixel_searcher, tmp_path):
    empty = tmp_path / 'empty'
    (empty / 'sub').mkdir(parents=True)
    (empty / 'sub' / 'broken.jpg').write_bytes(b'x')
    searcher = pixel_searcher()
    with pytest.raises(EmptyGalleryError, match='no readable image'):
        searcher.index_gallery(str(empty), progress=False)
    write_image(str(empty / 'ok.jpg'), 0)
    searcher.index_gallery(str(empty), progress=False)
    with pytest.raises(QueryError, match='does not exist'):
        searcher.search(str(tmp_path / 'nope.jpg'))
    with pytest.raises(QueryError, match='exceeds the image'):
        searcher.search(str(empty / 'ok.jpg') + ':0,0,33,10')
    with pytest.raises(QueryError, match='cannot be read'):
        searcher.search(str(empty / 'sub' / 'broken.jpg'))
