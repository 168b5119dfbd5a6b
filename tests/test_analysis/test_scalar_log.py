"""The one reader of MMEngine's scalar logs (vis_data/scalars.json)."""
import json

import pytest

from mmsona.analysis import (LogError, last_record, load_scalar_log,
                             run_scalar_logs)


def write_log(path, lines):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('\n'.join(lines) + '\n')
    return str(path)


def test_records_in_file_order_blank_lines_skipped(tmp_path):
    log = write_log(tmp_path / 'scalars.json', [
        json.dumps(dict(loss=1.0, iter=1, step=1)), '',
        json.dumps({
            'reid/R1': 50.0,
            'step': 1
        }), '[1, 2]'
    ])
    records = load_scalar_log(log)
    assert records == [
        dict(loss=1.0, iter=1, step=1), {
            'reid/R1': 50.0,
            'step': 1
        }
    ]
    assert last_record(records, ('reid/R1', 'reid/mAP')) == records[1]
    assert last_record(records, ('reid/mAP', )) is None


def test_errors_name_the_file_and_what_to_pass(tmp_path):
    with pytest.raises(LogError, match='does not exist'):
        load_scalar_log(str(tmp_path / 'missing.json'))
    text = write_log(tmp_path / 'train.log', ['{"loss": 1}', 'Epoch(train)'])
    with pytest.raises(LogError, match=r'train.log:2 is not JSON'):
        load_scalar_log(text)
    empty = write_log(tmp_path / 'empty.json', [''])
    with pytest.raises(LogError, match='holds no records'):
        load_scalar_log(empty)
    assert load_scalar_log(empty, allow_empty=True) == []


def test_run_logs_are_sorted_by_timestamp(tmp_path):
    for stamp in ('20260102_000000', '20260101_000000'):
        write_log(tmp_path / stamp / 'vis_data' / 'scalars.json', ['{}'])
    (tmp_path / 'no_log').mkdir()
    assert [p.split('/')[-3] for p in run_scalar_logs(str(tmp_path))
            ] == ['20260101_000000', '20260102_000000']
