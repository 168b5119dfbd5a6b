"""ReIDSearcher: index a gallery folder, search it, refuse bad input.

The tests use a stand-in extractor (pixels of a 4 x 2 grid as the feature),
so they need no model; tests/test_tools/test_search_tool.py runs the real
tiny model end to end, and tests/test_search/ tests the searcher's parts.
"""
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from search_helpers import write_image  # noqa: I100

import mmsona.apis.searcher as searcher_module
from mmsona.apis import ReIDSearcher
from mmsona.search import (CacheMismatchError, EmptyGalleryError, Query,
                           QueryError)


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
