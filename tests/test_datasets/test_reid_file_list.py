import os.path as osp

import pytest

from mmsona.datasets import ReIDFileList
from mmsona.registry import DATASETS


def _lists(tmp_path, train, query, gallery):
    for name, lines in (('train', train), ('query', query), ('gallery',
                                                             gallery)):
        (tmp_path / f'{name}.txt').write_text('\n'.join(lines) + '\n')
    return str(tmp_path)


@pytest.mark.slow
def test_file_list_with_camids(tmp_path):
    root = _lists(tmp_path, [
        '# path pid camid', 'b/2.jpg 40 1', 'a/1.jpg 40 0', '', 'c.jpg 7 2',
        'j.jpg -1 0'
    ], ['q1.jpg 40 0', 'q2.jpg 7 1'],
                  ['g1.jpg 40 1', 'g2.jpg 7 0', 'g3.jpg 99 0'])
    train = DATASETS.build(
        dict(type='ReIDFileList', data_root=root, img_prefix='imgs'))
    infos = [train.get_data_info(i) for i in range(len(train))]
    assert [osp.relpath(d['img_path'], root)
            for d in infos] == ['imgs/a/1.jpg', 'imgs/b/2.jpg', 'imgs/c.jpg']
    assert [d['gt_label'] for d in infos] == [1, 1, 0]
    assert train.metainfo['has_camids'] and train.metainfo['num_cams'] == 3
    test = ReIDFileList(root, split='test')
    assert test.metainfo['num_query'] == 2
    assert test.metainfo['num_classes'] == 2


def test_file_list_without_camids_matches_every_other_image(tmp_path):
    root = _lists(tmp_path, ['t.jpg 1'], ['shared.jpg 5', 'q.jpg 6'],
                  ['shared.jpg 5', 'g5.jpg 5', 'g6.jpg 6'])
    test = ReIDFileList(root, split='test')
    infos = [test.get_data_info(i) for i in range(len(test))]
    assert test.metainfo['has_camids'] is False
    assert test.metainfo['num_cams'] is None
    cam = {
        (d['is_query'], osp.basename(d['img_path'])): d['camid']
        for d in infos
    }
    # The same file has the same pseudo camera in query and gallery (so it
    # is not its own match); different files have different ones.
    assert cam[(True, 'shared.jpg')] == cam[(False, 'shared.jpg')]
    assert cam[(True, 'shared.jpg')] != cam[(False, 'g5.jpg')]
    assert len({cam[(False, n)]
                for n in ('shared.jpg', 'g5.jpg', 'g6.jpg')}) == 3


def test_file_list_errors(tmp_path):
    root = _lists(tmp_path, ['a.jpg 1 0', 'b.jpg 2'], ['q.jpg x'], [])
    with pytest.raises(ValueError, match='mixes lines'):
        ReIDFileList(root, split='train')
    with pytest.raises(ValueError, match=r'query.txt:1.*<path> <pid>'):
        ReIDFileList(root, split='query')
    with pytest.raises(ValueError, match='gallery split .* is empty'):
        ReIDFileList(root, split='gallery')
    with pytest.raises(FileNotFoundError, match='val.txt'):
        ReIDFileList(root, split='query', ann_files=dict(query='val.txt'))
