import os.path as osp

import pytest

from mmsona.datasets import DukeMTMCreID

DUKE_TREE = {
    'DukeMTMC-reID/bounding_box_train':
    ['0001_c2_f0046182.jpg', '0001_c5_f0051341.jpg', '0003_c8_f0044187.jpg'],
    'DukeMTMC-reID/query': ['0005_c2_f0046985.jpg', '0005_c5_f0051781.jpg'],
    'DukeMTMC-reID/bounding_box_test':
    ['0005_c1_f0045407.jpg', '0005_c2_f0046890.jpg', '0009_c7_f0080000.jpg'],
}


@pytest.mark.slow
def test_duke_counts_labels_and_cameras(tmp_path, tree_builder):
    root = tree_builder(tmp_path, DUKE_TREE)
    train = DukeMTMCreID(root, split='train')
    infos = [train.get_data_info(i) for i in range(len(train))]
    assert [d['gt_label'] for d in infos] == [0, 0, 1]
    assert [d['camid'] for d in infos] == [1, 4, 7]
    test = DukeMTMCreID(root, split='test')
    meta = test.metainfo
    # Gallery-only identities of Duke are regular pids.
    assert (meta['num_query'], meta['num_gallery']) == (2, 3)
    assert meta['num_pids'] == 2 and meta['num_classes'] == 2
    assert [test.get_data_info(i)['pid'] for i in range(5)] == [5, 5, 5, 5, 9]
    assert osp.basename(test.get_data_info(2)['img_path']) == \
        '0005_c1_f0045407.jpg'


def test_duke_camera_range_and_missing_root(tmp_path, tree_builder):
    tree = {k: list(v) for k, v in DUKE_TREE.items()}
    tree['DukeMTMC-reID/bounding_box_train'].append('0004_c9_f0000001.jpg')
    root = tree_builder(tmp_path / 'd', tree)
    with pytest.raises(ValueError, match=r'c9 .*c1\.\.c8'):
        DukeMTMCreID(root, split='train')
    with pytest.raises(FileNotFoundError, match='DukeMTMC-reID_evaluation'):
        DukeMTMCreID(str(tmp_path / 'missing'))
