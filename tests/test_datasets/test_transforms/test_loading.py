"""LoadReIDImage: unreadable files named or skipped, alone and at the head
of the configs' train and test pipelines."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.registry import DefaultScope
from mmpretrain.structures import DataSample

from mmsona.datasets import LoadReIDImage, Market1501, UnreadableImageError

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
