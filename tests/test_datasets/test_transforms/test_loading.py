import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.registry import DefaultScope
from mmpretrain.structures import DataSample

from mmsona.datasets import (LoadReIDImage, Market1501, PackReIDInputs,
                             RandomSquareErase, UnreadableImageError)

TRAIN_PIPELINE = [
    dict(type='LoadReIDImage'),
    dict(type='Resize', scale=(64, 128)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomCrop', crop_size=(128, 64), padding=10),
    dict(type='RandomSquareErase', size=32, prob=0.5),
    dict(type='PackReIDInputs'),
]
TEST_PIPELINE = [
    dict(type='LoadReIDImage'),
    dict(type='Resize', scale=(64, 128)),
    dict(type='PackReIDInputs'),
]


@pytest.fixture
def mmsona_scope():
    with DefaultScope.overwrite_default_scope('mmsona'):
        yield


@pytest.mark.slow
def test_train_and_test_pipelines_from_config(market_root, mmsona_scope):
    train = Market1501(market_root, split='train', pipeline=TRAIN_PIPELINE)
    out = train[3]
    assert out['inputs'].dtype == torch.uint8
    assert out['inputs'].shape == (3, 128, 64)
    sample = out['data_samples']
    assert isinstance(sample, DataSample)
    assert sample.gt_label.tolist() == [1]
    assert (sample.pid, sample.camid, sample.is_query) == (7, 2, False)
    assert sample.img_path.endswith('0007_c3s2_000200_01.jpg')

    test = Market1501(market_root, split='test', pipeline=TEST_PIPELINE)
    first, last = test[0], test[len(test) - 1]
    assert first['data_samples'].is_query
    assert not last['data_samples'].is_query
    assert last['data_samples'].gt_label.tolist() == [3]
    # The test pipeline is deterministic and keeps the loaded BGR order.
    expected = cv2.resize(
        cv2.imread(test.get_data_info(0)['img_path']), (64, 128),
        interpolation=cv2.INTER_LINEAR)
    np.testing.assert_array_equal(first['inputs'].permute(1, 2, 0).numpy(),
                                  expected)


def test_pack_reid_inputs_keeps_bgr_uint8():
    img = np.zeros((4, 2, 3), np.uint8)
    img[..., 0] = 10  # blue
    img[..., 2] = 200  # red
    packed = PackReIDInputs()(
        dict(
            img=img,
            gt_label=5,
            pid=5,
            camid=1,
            is_query=True,
            img_path='a.jpg'))
    assert packed['inputs'].dtype == torch.uint8
    assert packed['inputs'][:, 0, 0].tolist() == [10, 0, 200]
    sample = packed['data_samples']
    assert sample.gt_label.tolist() == [5]
    assert sample.metainfo['pid'] == 5 and sample.metainfo['camid'] == 1
    assert sample.metainfo['is_query'] is True


def test_random_square_erase():
    img = np.full((128, 64, 3), 255, np.uint8)
    out = RandomSquareErase(size=32, prob=1.0)(dict(img=img))['img']
    assert np.all(img == 255)  # input not modified
    zero = np.all(out == 0, axis=2)
    ys, xs = np.nonzero(zero)
    assert zero.sum() == 32 * 32
    assert ys.max() - ys.min() == 31 and xs.max() - xs.min() == 31
    same = RandomSquareErase(size=32, prob=0.0)(dict(img=img))['img']
    assert np.all(same == 255)
    mean = (103.53, 116.28, 123.675)
    big = RandomSquareErase(size=(200, 20), prob=1.0, pad_val=mean)
    out = big(dict(img=img))['img']
    filled = np.all(out == [103, 116, 123], axis=2)
    assert filled.sum() == 128 * 20 and filled.all(axis=0).sum() == 20
    with pytest.raises(ValueError, match='prob'):
        RandomSquareErase(prob=1.5)


def test_random_square_erase_is_random_over_calls():
    np.random.seed(0)
    img = np.full((128, 64, 3), 255, np.uint8)
    t = RandomSquareErase(size=16, prob=0.5)
    outcomes = [
        np.argwhere((t(dict(img=img))['img'] == 0).all(axis=2))
        for _ in range(40)
    ]
    erased = [o for o in outcomes if len(o)]
    assert 5 < len(erased) < 35
    assert len({tuple(o[0]) for o in erased}) > 3


def test_unreadable_image_is_named(tmp_path):
    bad = tmp_path / '0001_c1s1_000001_01.jpg'
    bad.write_bytes(b'\xff\xd8 truncated')
    with pytest.raises(UnreadableImageError) as info:
        LoadReIDImage()(dict(img_path=str(bad)))
    assert str(bad) in str(info.value)
    assert 'skip_unreadable' in str(info.value)
    missing = str(tmp_path / 'gone.jpg')
    with pytest.raises(UnreadableImageError, match='gone.jpg'):
        LoadReIDImage()(dict(img_path=missing))
    loader = LoadReIDImage(skip_unreadable=True)
    assert loader(dict(img_path=str(bad))) is None
    assert loader(dict(img_path=missing)) is None
    assert loader.num_skipped == 2


@pytest.mark.slow
def test_skipped_image_is_replaced_in_training_only(market_root, mmsona_scope):
    victim = osp.join(market_root, 'bounding_box_train',
                      '0002_c1s1_000451_03.jpg')
    with open(victim, 'wb') as f:
        f.write(b'not a jpeg')
    pipeline = [dict(type='LoadReIDImage', skip_unreadable=True)] + \
        TRAIN_PIPELINE[1:]
    train = Market1501(market_root, split='train', pipeline=pipeline)
    out = train[0]
    assert not out['data_samples'].img_path.endswith('0002_c1s1_000451_03.jpg')
    strict = Market1501(market_root, split='train', pipeline=TRAIN_PIPELINE)
    with pytest.raises(UnreadableImageError, match='0002_c1s1_000451_03'):
        strict[0]
