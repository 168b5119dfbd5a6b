"""Files that a kill cannot leave half-written."""
import os
import os.path as osp
import tempfile
from pathlib import Path
from typing import Union

from mmengine.fileio import LocalBackend, register_backend

__all__ = ['PARTIAL_SUFFIX', 'AtomicLocalBackend', 'atomic_write']

# Suffix of the temporary files :func:`atomic_write` renames into place; a
# file with it is what a killed write left behind.
PARTIAL_SUFFIX = '.partial'


def atomic_write(data: Union[bytes, str], filepath: Union[str, Path]) -> None:
    """Write a file so that readers see the old or the new file, never part.

    The data go to a temporary file in the same folder, are flushed to the
    disk, and the temporary file is renamed over ``filepath``
    (``os.replace`` is atomic on POSIX and Windows file systems).

    Args:
        data (bytes | str): Content (str is written as UTF-8).
        filepath (str | Path): Destination.
    """
    filepath = os.fspath(filepath)
    folder = osp.dirname(osp.abspath(filepath))
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode('utf-8')
    fd, tmp = tempfile.mkstemp(
        prefix=f'.{osp.basename(filepath)}.',
        suffix=PARTIAL_SUFFIX,
        dir=folder)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, filepath)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


@register_backend('local_atomic')
class AtomicLocalBackend(LocalBackend):
    """MMEngine's local file backend with atomic ``put`` and ``put_text``.

    Select it with ``backend_args=dict(backend='local_atomic')``.
    """

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        """Write bytes atomically (see :func:`atomic_write`)."""
        atomic_write(obj, filepath)

    def put_text(self,
                 obj: str,
                 filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        """Write text atomically (see :func:`atomic_write`)."""
        atomic_write(obj.encode(encoding), filepath)
