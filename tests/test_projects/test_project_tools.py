"""The projects' data tools: classification view and file lists."""
import os
import os.path as osp
from collections import defaultdict

import cv2
import numpy as np
import pytest


@pytest.fixture
def to_cls(tools):
    return tools['to_cls']


@pytest.fixture
def to_list(tools):
    return tools['to_list']


@pytest.fixture
def vehicles(tools):
    return tools['vehicles']


def _touch_images(root, names):
    img = np.zeros((8, 4, 3), np.uint8)
    for name in names:
        path = osp.join(root, name)
        os.makedirs(osp.dirname(path), exist_ok=True)
        cv2.imwrite(path, img)


def _read_list(path):
    with open(path) as f:
        return [
            line.split() for line in f
            if line.strip() and not line.startswith('#')
        ]


def test_reid_to_cls_holds_out_one_camera(tmp_path, to_cls):
    src = tmp_path / 'market'
    _touch_images(
        src,
        [
            'bounding_box_train/0002_c1s1_000001_01.jpg',
            'bounding_box_train/0002_c1s1_000002_01.jpg',
            'bounding_box_train/0002_c3s1_000003_01.jpg',
            'bounding_box_train/0005_c2s1_000004_01.jpg',
            'bounding_box_train/0005_c2s1_000005_01.jpg',  # one camera only
            'bounding_box_train/0007_c1s1_000006_01.jpg',
            'bounding_box_train/0007_c2s1_000007_01.jpg',
            'query/0009_c1s1_000008_01.jpg',
            'bounding_box_test/0009_c2s1_000009_01.jpg',
            'bounding_box_test/-1_c1s1_000010_01.jpg',
            'bounding_box_test/0000_c1s1_000011_01.jpg',
        ])
    counts = to_cls.convert(str(src), str(tmp_path / 'cls'))
    assert counts == dict(classes=2, train=3, val=2)
    train, val = tmp_path / 'cls' / 'train', tmp_path / 'cls' / 'val'
    # Same class folders in both splits, so CustomDataset labels agree.
    assert sorted(os.listdir(train)) == sorted(
        os.listdir(val)) == ['0002', '0007']
    assert sorted(os.listdir(val / '0002')) == ['0002_c3s1_000003_01.jpg']
    assert sorted(os.listdir(val / '0007')) == ['0007_c2s1_000007_01.jpg']

    both = to_cls.convert(
        str(src), str(tmp_path / 'cls2'), splits=('train', 'test'))
    assert both['classes'] == 3  # test identity 9, junk and 0000 skipped
    with pytest.raises(FileExistsError):
        to_cls.convert(str(src), str(tmp_path / 'cls'))


def test_reid_to_cls_names_bad_files(tmp_path, to_cls):
    _touch_images(tmp_path / 'm', [
        'bounding_box_train/person_a.jpg', 'query/0001_c1s1_0_01.jpg',
        'bounding_box_test/0001_c2s1_0_01.jpg'
    ])
    with pytest.raises(ValueError, match='person_a.jpg'):
        to_cls.convert(str(tmp_path / 'm'), str(tmp_path / 'out'))


def test_folder_to_filelist_splits(tmp_path, to_list):
    root = tmp_path / 'cars'
    names = []
    for vid in range(10):
        for cam in (1, 4, 7)[:2 + vid % 2]:
            names += [f'car_{vid:02d}/c{cam}_{k}.jpg' for k in range(3)]
    _touch_images(root, names)
    counts = to_list.convert(
        str(root), test_ratio=0.4, max_queries_per_id=2, seed=1)
    lists = {
        s: _read_list(root / f'{s}.txt')
        for s in ('train', 'query', 'gallery')
    }
    ids = {s: {int(r[1]) for r in rows} for s, rows in lists.items()}
    assert counts['train_ids'] == len(ids['train']) == 6
    assert not ids['train'] & (ids['query'] | ids['gallery'])
    assert ids['query'] == ids['gallery'] and len(ids['query']) == 4
    # Cameras 1, 4, 7 become 0, 1, 2.
    assert {int(r[2]) for rows in lists.values() for r in rows} == {0, 1, 2}
    gallery = defaultdict(set)
    for path, pid, cam in lists['gallery']:
        gallery[pid].add(cam)
    for path, pid, cam in lists['query']:
        assert gallery[pid] - {cam}, f'query {path} has no valid match'
    used = [r[0] for rows in lists.values() for r in rows]
    assert sorted(used) == sorted(names)
    pid_names = dict(_read_list(root / 'identities.txt'))
    assert pid_names['1'] == 'car_00'


def test_folder_to_filelist_without_cameras_and_errors(tmp_path, to_list):
    root = tmp_path / 'ids'
    _touch_images(root, [f'{n}/{k}.png' for n in 'abcd' for k in range(3)])
    to_list.convert(str(root), out=str(tmp_path / 'lists'), test_ratio=0.5)
    query = _read_list(tmp_path / 'lists' / 'query.txt')
    assert len(query) == 2 and all(len(r) == 2 for r in query)
    assert query[0][0].startswith(osp.join('..', 'ids'))

    _touch_images(root, ['a/c2_9.png'])
    with pytest.raises(ValueError, match='no camera token'):
        to_list.convert(str(root))


@pytest.mark.slow
def test_lists_load_in_reid_file_list(tmp_path, to_list, vehicles):
    """The synthetic vehicles and their lists read back in ReIDFileList."""
    from mmsona.datasets import ReIDFileList
    root = str(tmp_path / 'vehicles')
    written = vehicles.make_synthetic_vehicles(root, num_ids=8, seed=3)
    counts = to_list.convert(root)
    train = ReIDFileList(data_root=root, split='train', pipeline=[])
    test = ReIDFileList(data_root=root, split='test', pipeline=[])
    assert len(train) == counts['train']
    assert len(test) == counts['query'] + counts['gallery']
    assert len(train) + len(test) == written
    assert train.metainfo['has_camids']
    labels = {train.get_data_info(i)['gt_label'] for i in range(len(train))}
    assert labels == set(range(counts['train_ids']))
    img = cv2.imread(train.get_data_info(0)['img_path'])
    assert img.shape == (vehicles.HEIGHT, vehicles.WIDTH, 3)


def test_synthetic_vehicles_are_deterministic(tmp_path, vehicles):
    vehicles.make_synthetic_vehicles(str(tmp_path / 'a'), num_ids=3, seed=5)
    vehicles.make_synthetic_vehicles(str(tmp_path / 'b'), num_ids=3, seed=5)
    files = sorted(
        osp.relpath(osp.join(d, f), tmp_path / 'a')
        for d, _, fs in os.walk(tmp_path / 'a') for f in fs)
    assert files and files == sorted(
        osp.relpath(osp.join(d, f), tmp_path / 'b')
        for d, _, fs in os.walk(tmp_path / 'b') for f in fs)
    for f in files:
        assert (tmp_path / 'a' / f).read_bytes() == (tmp_path / 'b' /
                                                     f).read_bytes()
    with pytest.raises(FileExistsError):
        vehicles.make_synthetic_vehicles(str(tmp_path / 'a'), num_ids=3)
