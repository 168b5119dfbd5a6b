"""Tell complete checkpoint files from truncated or corrupt ones, without
unpickling them, and pick the newest complete one of a work dir."""
import os
import os.path as osp
import re
import zipfile
from typing import List, Optional, Tuple

__all__ = ['checkpoint_problem', 'find_resumable_checkpoint']

_STEP_FILE = re.compile(r'^(?:epoch|iter)_(\d+)\.pth$')

#: ``(path, problem)`` of every damaged checkpoint passed over.
Damaged = List[Tuple[str, str]]


def checkpoint_problem(path: str) -> Optional[str]:
    """What is wrong with a checkpoint file, if anything.

    PyTorch's checkpoint format is a zip archive: a truncated file has no
    central directory, and a damaged one fails a member's CRC check. Every
    member is read (nothing is unpickled). Files of PyTorch's legacy
    format (before the zip format) cannot be checked this way and pass.

    Args:
        path (str): Path of the file.

    Returns:
        str, optional: A description such as ``'is truncated (not a
        complete zip archive)'``, or None for a sound file.
    """
    if not osp.isfile(path):
        return 'does not exist'
    size = osp.getsize(path)
    if size == 0:
        return 'is empty'
    with open(path, 'rb') as f:
        magic = f.read(4)
    if magic.startswith(b'\x80'):
        return None  # legacy pickle format: only loading can tell
    if magic != b'PK\x03\x04':
        return 'is not a PyTorch checkpoint (unknown file format)'
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            bad = archive.testzip()
    except (zipfile.BadZipFile, EOFError, OSError) as e:
        return (f'is truncated or corrupt (not a complete zip archive, '
                f'{size} bytes: {e})')
    except Exception as e:  # e.g. a zlib error inside a member
        return f'is corrupt ({type(e).__name__}: {e})'
    if bad is not None:
        return f'is corrupt (member {bad!r} fails its CRC check)'
    if not any(n.endswith('/data.pkl') or n == 'data.pkl' for n in names):
        return 'is not a PyTorch checkpoint (a zip archive without data.pkl)'
    return None


def _candidates(work_dir: str) -> List[str]:
    """``last_checkpoint``'s file, then ``epoch_N``/``iter_N`` files, the
    highest N first."""
    found = []
    record = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(record):
        with open(record) as f:
            last = f.read().strip()
        if last:
            found.append(last)
    steps = []
    for name in os.listdir(work_dir) if osp.isdir(work_dir) else []:
        match = _STEP_FILE.match(name)
        if match:
            steps.append((int(match.group(1)), osp.join(work_dir, name)))
    seen = {osp.abspath(p) for p in found}
    for _, path in sorted(steps, reverse=True):
        if osp.abspath(path) not in seen:
            found.append(path)
            seen.add(osp.abspath(path))
    return found


def find_resumable_checkpoint(work_dir: str) -> Tuple[Optional[str], Damaged]:
    """The checkpoint ``--resume auto`` should continue from.

    That is the file named by ``<work_dir>/last_checkpoint`` when it is
    sound, else the newest sound ``epoch_N.pth`` / ``iter_N.pth`` of the
    work dir.

    Args:
        work_dir (str): The run's work dir.

    Returns:
        tuple[str | None, list[tuple[str, str]]]: The checkpoint (None if
        there is no sound one) and the ``(path, problem)`` of every damaged
        file passed over.
    """
    damaged = []
    for path in _candidates(work_dir):
        problem = checkpoint_problem(path)
        if problem is None:
            return path, damaged
        damaged.append((path, problem))
    return None, damaged
