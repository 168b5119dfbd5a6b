"""Queries: image files, folders of them, and boxes cut from a frame."""
import os.path as osp

import pytest
from search_helpers import write_image  # noqa: I100

from mmsona.search import QueryError, expand_queries, parse_query


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
