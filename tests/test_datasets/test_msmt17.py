import os.path as osp

import pytest

from mmsona.datasets import MSMT17

TRAIN = [
    '0000/0000_000_01_0303morning_0015_0.jpg 0',
    '0000/0000_001_05_0303morning_0016_1.jpg 0',
    '0001/0001_000_15_0303noon_0001_0.jpg 1',
]
VAL = ['0002/0002_000_03_0303afternoon_0100_0.jpg 2']
QUERY = [
    '0000/0000_000_02_0303morning_0100_0.jpg 0',
    '0001/0001_000_04_0303morning_0200_0.jpg 1',
]
GALLERY = [
    '0000/0000_003_07_0303noon_0300_0.jpg 0',
    '0001/0001_004_04_0303noon_0400_0.jpg 1',
    '0001/0001_005_09_0303noon_0401_0.jpg 1',
    '',
]


def _write(root, version='MSMT17_V1', dirs=('train', 'test'), **overrides):
    base = root / version
    lists = dict(train=TRAIN, val=VAL, query=QUERY, gallery=GALLERY)
    lists.update(overrides)
    tree = {}
    for split, lines in lists.items():
        (base).mkdir(parents=True, exist_ok=True)
        (base / f'list_{split}.txt').write_text('\n'.join(lines) + '\n')
        folder = dirs[0] if split in ('train', 'val') else dirs[1]
        for line in lines:
            if line.strip():
                rel = line.split()[0]
                tree.setdefault(f'{version}/{folder}/{osp.dirname(rel)}',
                                []).append(osp.basename(rel))
    return tree


@pytest.mark.slow
def test_msmt17_v1_lists(tmp_path, tree_builder):
    tree_builder(tmp_path, _write(tmp_path))
    root = str(tmp_path)
    train = MSMT17(root, split='train')
    infos = [train.get_data_info(i) for i in range(len(train))]
    assert len(infos) == 4  # list_train + list_val
    assert [d['camid'] for d in infos] == [0, 4, 14, 2]
    assert [d['gt_label'] for d in infos] == [0, 0, 1, 2]
    assert infos[0]['img_path'] == osp.join(
        root, 'MSMT17_V1', 'train', '0000',
        '0000_000_01_0303morning_0015_0.jpg')
    assert len(MSMT17(root, split='train', train_with_val=False)) == 3
    test = MSMT17(root, split='test')
    meta = test.metainfo
    assert (meta['num_query'], meta['num_gallery']) == (2, 3)
    # pid 0 is a real MSMT17 identity, not a distractor.
    assert meta['num_pids'] == 2 and meta['num_distractors'] == 0
    assert test.get_data_info(0)['img_path'].startswith(
        osp.join(root, 'MSMT17_V1', 'test'))
    # Train and test ids are numbered separately: combine_all keeps them
    # apart (3 train ids + 2 test ids).
    combined = MSMT17(root, split='train', combine_all=True)
    assert combined.metainfo['num_classes'] == 5


def test_msmt17_v2_layout(tmp_path, tree_builder):
    tree_builder(
        tmp_path,
        _write(tmp_path, 'MSMT17_V2', ('mask_train_v2', 'mask_test_v2')))
    assert len(MSMT17(str(tmp_path), split='gallery')) == 3


def test_msmt17_errors(tmp_path, tree_builder):
    with pytest.raises(FileNotFoundError, match='pkuvmc'):
        MSMT17(str(tmp_path / 'none'))
    tree_builder(tmp_path, _write(tmp_path, query=['0000/bad.jpg x']))
    with pytest.raises(ValueError, match=r'list_query.txt:1'):
        MSMT17(str(tmp_path), split='query')
    tree_builder(
        tmp_path,
        _write(tmp_path, query=['0000/0000_000_16_0303morning_0100_0.jpg 0']))
    with pytest.raises(ValueError, match='out of range 1..15'):
        MSMT17(str(tmp_path), split='query')
