"""atomic_write: a kill between writing and renaming keeps the old file."""
import os

import pytest

from mmsona.utils import fileio as fileio_module
from mmsona.utils.fileio import atomic_write


def test_atomic_write_keeps_old_file_when_interrupted(tmp_path, monkeypatch):
    target = tmp_path / 'epoch_1.pth'
    atomic_write(b'old', target)

    def broken_replace(src, dst):
        raise KeyboardInterrupt  # a kill between writing and renaming

    monkeypatch.setattr(fileio_module.os, 'replace', broken_replace)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(b'new', target)
    assert target.read_bytes() == b'old'
    assert os.listdir(tmp_path) == ['epoch_1.pth']
