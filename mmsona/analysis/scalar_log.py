"""Reading MMEngine's scalar logs (``vis_data/scalars.json``).

MMEngine writes one JSON object per line to
``<work_dir>/<timestamp>/vis_data/scalars.json`` (and
``<timestamp>.json`` beside it): training records carry ``epoch``,
``iter`` and the loss terms, validation and test records the metrics
(``reid/mAP`` ...) and ``step``.
"""
import glob
import json
import os.path as osp
from typing import List, Optional, Sequence

__all__ = ['LogError', 'load_scalar_log', 'last_record', 'run_scalar_logs']


class LogError(ValueError):
    """A log file that cannot be used."""


def load_scalar_log(path: str, allow_empty: bool = False) -> List[dict]:
    """Read the records of an MMEngine scalar log.

    Args:
        path (str): The ``.json`` file (one object per line).
        allow_empty (bool): Return an empty list for a file without
            records instead of raising. Defaults to False.

    Returns:
        list[dict]: The records in file order.

    Raises:
        LogError: The file is missing, a line is not JSON, or (unless
            ``allow_empty``) it holds no record.
    """
    if not osp.isfile(path):
        raise LogError(
            f'Log file {path!r} does not exist. MMEngine writes it to '
            '<work_dir>/<timestamp>/vis_data/<timestamp>.json.')
    records = []
    with open(path) as f:
        for num, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                raise LogError(f'{path}:{num} is not JSON ({e}); pass the '
                               'vis_data/*.json scalar log, not the text '
                               '.log file.')
            if isinstance(record, dict):
                records.append(record)
    if not records and not allow_empty:
        raise LogError(f'Log file {path!r} holds no records.')
    return records


def last_record(records: Sequence[dict],
                keys: Sequence[str]) -> Optional[dict]:
    """The last record that holds any of ``keys``.

    Args:
        records (Sequence[dict]): Records of a log, in file order.
        keys (Sequence[str]): Scalar names, e.g. ``('reid/R1', )``.

    Returns:
        dict | None: The record, or None when no record holds a key.
    """
    for record in reversed(records):
        if any(key in record for key in keys):
            return record
    return None


def run_scalar_logs(work_dir: str) -> List[str]:
    """The ``scalars.json`` files of a run's work dir, oldest first.

    Args:
        work_dir (str): The run's work dir (holding
            ``<timestamp>/vis_data``).

    Returns:
        list[str]: ``<work_dir>/<timestamp>/vis_data/scalars.json`` files,
        sorted by timestamp.
    """
    pattern = osp.join(glob.escape(work_dir), '*', 'vis_data', 'scalars.json')
    return sorted(glob.glob(pattern))
