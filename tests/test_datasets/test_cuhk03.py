import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from mmsona.datasets import CUHK03

h5py = pytest.importorskip('h5py')
scipy_io = pytest.importorskip('scipy.io')

# Two camera pairs of 3 and 2 persons; None marks an empty cell.
# Values are image heights, so every image is recognisable.
PAIRS = [
    [[10, 11, None, None, None, 12, 13, None, None, None],
     [14, None, None, None, None, 15, None, None, None, None],
     [16, 17, None, None, None, 18, None, None, None, None]],
    [[20, 21, None, None, None, 22, 23, None, None, None],
     [24, None, None, None, None, 25, 26, None, None, None]],
]


def _image(height):
    rgb = np.zeros((height, 6, 3), np.uint8)
    rgb[..., 0] = height  # red channel carries the id
    rgb[..., 2] = 255 - height
    return rgb


def _write_raw_release(root):
    """A tiny cuhk-03.mat (HDF5 like MATLAB 7.3) and a protocol config."""
    os.makedirs(root, exist_ok=True)
    ref = h5py.ref_dtype
    with h5py.File(osp.join(root, 'cuhk-03.mat'), 'w') as f:
        for subset in ('labeled', 'detected'):
            pair_refs = []
            for p, persons in enumerate(PAIRS):
                cells = np.empty((10, len(persons)), dtype=ref)
                for i, images in enumerate(persons):
                    for j, height in enumerate(images):
                        key = f'#refs#/{subset}_{p}_{i}_{j}'
                        if height is None:
                            data = np.zeros(2, np.uint64)
                        else:
                            # MATLAB stores H x W x 3 column-major.
                            data = _image(height).T
                        cells[j, i] = f.create_dataset(key, data=data).ref
                pair_refs.append(
                    f.create_dataset(f'#refs#/{subset}_pair{p}',
                                     data=cells).ref)
            f.create_dataset(subset, data=np.array([pair_refs], dtype=ref))
    # Global ids: pair 1 persons 1..3 -> 101..103, pair 2 -> 201..202.
    names, labels = [], []
    for p, persons in enumerate(PAIRS):
        for i, images in enumerate(persons):
            for j, height in enumerate(images):
                if height is not None:
                    cam = 1 if j < 5 else 2
                    names.append(f'{p + 1}_{i + 1:03d}_{cam}_{j + 1:02d}.png')
                    labels.append(100 * (p + 1) + i + 1)
    names_arr = np.empty((len(names), 1), dtype=object)
    for k, n in enumerate(names):
        names_arr[k, 0] = n
    idx = {n: k + 1 for k, n in enumerate(names)}
    train = [idx[n] for n in names if n.startswith('1_')]
    query = [idx['2_001_1_01.png'], idx['2_002_1_01.png']]
    gallery = [
        idx[n] for n in names if n.startswith('2_') and idx[n] not in query
    ]
    for subset in ('labeled', 'detected'):
        scipy_io.savemat(
            osp.join(root, f'cuhk03_new_protocol_config_{subset}.mat'),
            dict(
                filelist=names_arr,
                labels=np.array(labels, np.float64)[:, None],
                camId=np.array([int(n.split('_')[2]) for n in names],
                               np.float64)[:, None],
                train_idx=np.array(train, np.float64)[:, None],
                query_idx=np.array(query, np.float64)[:, None],
                gallery_idx=np.array(gallery, np.float64)[:, None]))


@pytest.mark.slow
def test_raw_release_is_extracted_once(tmp_path):
    root = str(tmp_path / 'cuhk03')
    _write_raw_release(osp.join(root, 'cuhk03_release'))
    train = CUHK03(root, split='train', subset='labeled')
    infos = [train.get_data_info(i) for i in range(len(train))]
    assert len(infos) == 9
    assert sorted({d['pid'] for d in infos}) == [101, 102, 103]
    assert sorted({d['gt_label'] for d in infos}) == [0, 1, 2]
    assert {d['camid'] for d in infos} == {0, 1}
    # Pixels survive the extraction in the right place and channel order.
    info = infos[0]
    assert osp.basename(info['img_path']) == '1_001_1_01.png'
    img = cv2.imread(info['img_path'])
    assert img.shape == (10, 6, 3)
    assert (img[0, 0] == [245, 0, 10]).all()  # BGR of RGB (10, 0, 245)
    assert train.metainfo['dataset_name'] == 'CUHK03-labeled'

    test = CUHK03(root, split='test', subset='labeled')
    meta = test.metainfo
    assert (meta['num_query'], meta['num_gallery']) == (2, 5)
    assert meta['num_classes'] == 3 and meta['num_pids'] == 2
    assert [test.get_data_info(i)['camid'] for i in range(2)] == [0, 0]

    json_path = osp.join(root, 'cuhk03_extracted', 'splits_new_labeled.json')
    stamp = os.stat(json_path).st_mtime_ns
    CUHK03(root, split='query', subset='labeled')
    assert os.stat(json_path).st_mtime_ns == stamp
    assert json.load(open(json_path))['subset'] == 'labeled'
    # The other subset is extracted separately.
    detected = CUHK03(root, split='train', subset='detected')
    assert len(detected) == 9
    assert osp.isdir(osp.join(root, 'cuhk03_extracted', 'images_detected'))


@pytest.mark.slow
def test_np_folder_release(tmp_path, tree_builder):
    tree = {
        'cuhk03-np/detected/bounding_box_train':
        ['0001_c1_1.png', '0001_c2_6.png', '0003_c1_1.png'],
        'cuhk03-np/detected/query': ['0002_c1_1.png'],
        'cuhk03-np/detected/bounding_box_test':
        ['0002_c2_7.png', '0004_c1_2.png'],
    }
    root = tree_builder(tmp_path, tree)
    train = CUHK03(root, split='train', subset='detected')
    assert train.get_gt_labels().tolist() == [0, 0, 1]
    assert train.get_cam_ids().tolist() == [0, 1, 0]
    test = CUHK03(root, split='test', subset='detected')
    assert test.metainfo['num_query'] == 1
    with pytest.raises(FileNotFoundError, match='cuhk-03.mat'):
        CUHK03(root, split='train', subset='labeled')


def test_cuhk03_errors(tmp_path):
    with pytest.raises(ValueError, match='subset'):
        CUHK03(str(tmp_path), subset='both')
    with pytest.raises(FileNotFoundError) as info:
        CUHK03(str(tmp_path / 'none'))
    msg = str(info.value)
    assert 'cuhk03-np' in msg and 'cuhk03_new_protocol_config_labeled.mat' in \
        msg and 'CUHK_identification' in msg
    _write_raw_release(str(tmp_path / 'raw'))
    os.remove(tmp_path / 'raw' / 'cuhk03_new_protocol_config_labeled.mat')
    with pytest.raises(FileNotFoundError, match='Found .*cuhk-03.mat'):
        CUHK03(str(tmp_path / 'raw'), subset='labeled')
