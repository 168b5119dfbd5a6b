import os
import os.path as osp
import pathlib

import numpy as np
import pytest

from mmsona.datasets import Market1501
from mmsona.registry import DATASETS


def _infos(dataset):
    return [dataset.get_data_info(i) for i in range(len(dataset))]


def test_train_split_relabels_and_drops_junk(market_root):
    ds = Market1501(market_root, split='train')
    infos = _infos(ds)
    assert [osp.basename(d['img_path']) for d in infos] == [
        '0002_c1s1_000451_03.jpg', '0002_c2s1_000551_01.jpg',
        '0007_c1s1_000100_01.jpg', '0007_c3s2_000200_01.jpg',
        '0010_c6s1_000300_02.jpg'
    ]
    assert [d['pid'] for d in infos] == [2, 2, 7, 7, 10]
    assert [d['gt_label'] for d in infos] == [0, 0, 1, 1, 2]
    assert [d['camid'] for d in infos] == [0, 1, 0, 2, 5]
    assert not any(d['is_query'] for d in infos)
    meta = ds.metainfo
    assert (meta['num_classes'], meta['num_pids'], meta['num_cams'],
            meta['num_images'], meta['num_junk']) == (3, 3, 4, 5, 1)
    assert not ds.test_mode
    np.testing.assert_array_equal(ds.get_gt_labels(), [0, 0, 1, 1, 2])
    assert ds.get_cat_ids(4) == [2]


@pytest.mark.slow
def test_query_gallery_and_test_splits(market_root):
    query = Market1501(market_root, split='query')
    gallery = Market1501(market_root, split='gallery')
    test = Market1501(market_root, split='test')
    q, g, t = _infos(query), _infos(gallery), _infos(test)
    assert [osp.basename(d['img_path']) for d in q] == [
        '0001_c1s1_001051_00.jpg', '0001_c2s1_000301_00.jpg',
        '0003_c4s1_000001_00.jpg'
    ]
    assert all(d['is_query'] for d in q)
    assert not any(d['is_query'] for d in g)
    # Raw pids as labels, distractors kept, junk dropped, sorted.
    assert [d['pid'] for d in g] == [0, 0, 1, 1, 3]
    assert [d['gt_label'] for d in g] == [0, 0, 1, 1, 3]
    assert [d['camid'] for d in g] == [0, 1, 0, 2, 4]
    for d in t:
        d.pop('sample_idx')
    for d in q + g:
        d.pop('sample_idx')
    assert t == q + g
    meta = test.metainfo
    assert meta['num_query'] == 3 and meta['num_gallery'] == 5
    assert meta['num_pids'] == 2 and meta['num_distractors'] == 2
    assert meta['num_junk'] == 2
    # num_classes is the number of training identities for every split.
    assert meta['num_classes'] == query.metainfo['num_classes'] == 3
    assert query.test_mode and test.test_mode


def test_nested_release_folder_and_registry(tmp_path, tree_builder,
                                            market_tree):
    tree_builder(tmp_path / 'Market-1501-v15.09.15', market_tree)
    ds = DATASETS.build(
        dict(type='Market1501', data_root=str(tmp_path), split='train'))
    assert isinstance(ds, Market1501) and len(ds) == 5
    assert '/Market-1501-v15.09.15/bounding_box_train/' in ds.get_data_info(
        0)['img_path']


@pytest.mark.slow
def test_combine_all_keeps_identities_apart(market_root):
    ds = Market1501(market_root, split='train', combine_all=True)
    infos = _infos(ds)
    # 5 train + 3 query + 3 gallery images (distractors and junk left out).
    assert len(infos) == 11
    assert sorted({d['gt_label'] for d in infos}) == list(range(5))
    assert {d['pid'] for d in infos} == {1, 2, 3, 7, 10}
    assert ds.metainfo['num_classes'] == 5
    # Evaluation splits see the combined training size as num_classes.
    q = Market1501(market_root, split='query', combine_all=True)
    assert q.metainfo['num_classes'] == 5 and len(q) == 3


def test_lazy_init_serialisation_and_subset(market_root):
    lazy = Market1501(market_root, split='test', lazy_init=True)
    assert 'num_images' not in lazy.metainfo
    lazy.full_init()
    assert lazy.metainfo['num_images'] == 8
    plain = Market1501(market_root, split='test', serialize_data=False)
    assert _infos(lazy) == _infos(plain)
    sub = plain.get_subset([4, 0])
    np.testing.assert_array_equal(sub.get_pids(), [0, 1])
    np.testing.assert_array_equal(sub.get_cam_ids(), [1, 0])
    lazy.get_subset_([2])
    np.testing.assert_array_equal(lazy.get_pids(), [3])


def test_missing_root_names_path_layout_and_source(tmp_path):
    missing = str(tmp_path / 'nowhere')
    with pytest.raises(FileNotFoundError) as info:
        Market1501(missing, split='train')
    msg = str(info.value)
    assert missing in msg
    assert 'Market-1501-v15.09.15' in msg and 'bounding_box_train' in msg
    assert 'zheng-lab.cecs.anu.edu.au' in msg


def test_missing_split_folder(tmp_path, tree_builder, market_tree):
    tree_builder(tmp_path,
                 {'bounding_box_train': market_tree['bounding_box_train']})
    with pytest.raises(FileNotFoundError, match='query'):
        Market1501(str(tmp_path), split='query')


def test_unparseable_file_name(tmp_path, tree_builder, market_tree):
    tree = market_tree
    tree['query'] = tree['query'] + ['person7_cam2.jpg']
    root = tree_builder(tmp_path, tree)
    with pytest.raises(ValueError) as info:
        Market1501(root, split='query')
    msg = str(info.value)
    assert osp.join(root, 'query', 'person7_cam2.jpg') in msg
    assert '0002_c1s1_000451_03.jpg' in msg


def test_camera_out_of_range(tmp_path, tree_builder, market_tree):
    tree = market_tree
    tree['bounding_box_train'] = ['0002_c7s1_000451_03.jpg']
    root = tree_builder(tmp_path, tree)
    with pytest.raises(ValueError, match=r'c7 .*c1\.\.c6'):
        Market1501(root, split='train')


def test_empty_split_names_the_folder(tmp_path, tree_builder, market_tree):
    tree = market_tree
    tree['query'] = ['-1_c1s1_000001_01.jpg']
    root = tree_builder(tmp_path, tree)
    with pytest.raises(ValueError) as info:
        Market1501(root, split='query')
    assert 'query split' in str(info.value)
    assert osp.join(root, 'query') in str(info.value)
    os.remove(osp.join(root, 'query', '-1_c1s1_000001_01.jpg'))
    with pytest.raises(ValueError, match='empty'):
        Market1501(root, split='test')


def test_queries_without_valid_match(tmp_path, tree_builder, market_tree):
    tree = market_tree
    # The only gallery image of pid 1 is from the query's camera.
    tree['query'] = ['0001_c1s1_001051_00.jpg']
    tree['bounding_box_test'] = [
        '0001_c1s1_000001_01.jpg', '0000_c2s1_000003_01.jpg'
    ]
    root = tree_builder(tmp_path, tree)
    with pytest.raises(ValueError, match='valid match'):
        Market1501(root, split='test')
    # Separate splits cannot be checked against each other: no error.
    assert len(Market1501(root, split='query')) == 1


def test_bad_split_name(market_root):
    with pytest.raises(ValueError, match="split must be one of"):
        Market1501(market_root, split='val')


@pytest.mark.slow
def test_extra_gallery_distractors(market_root, tree_builder):
    tree_builder(
        pathlib.Path(market_root), {
            'distractors_500k':
            ['0000_c1s1_900001_01.jpg', '0000_c3s1_900002_01.jpg']
        })
    plain = Market1501(market_root, split='gallery')
    extra = Market1501(
        market_root, split='gallery', extra_gallery_dir='distractors_500k')
    assert len(extra) == len(plain) + 2
    assert extra.metainfo['num_distractors'] == 4
    assert extra.get_data_info(len(extra) - 1)['img_path'].endswith(
        'distractors_500k/0000_c3s1_900002_01.jpg')
    # Training and query splits ignore the extra gallery.
    assert len(
        Market1501(
            market_root, split='query',
            extra_gallery_dir='distractors_500k')) == 3
