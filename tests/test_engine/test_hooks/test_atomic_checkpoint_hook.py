"""AtomicCheckpointHook removes outdated checkpoints only after saving."""
import os
import os.path as osp
from types import SimpleNamespace

import pytest

from mmsona.engine.hooks import AtomicCheckpointHook
from mmsona.utils.fileio import AtomicLocalBackend


class _FakeRunner:
    """Just enough of a Runner for the checkpoint hook."""

    def __init__(self, work_dir: str) -> None:
        from mmengine.logging import MessageHub
        self.work_dir = work_dir
        self.message_hub = MessageHub.get_instance(f'ckpt_{id(self)}')
        self.epoch = 0
        self.iter = 0
        self.fail = False
        self.logger = SimpleNamespace(info=lambda *a, **k: None)

    def save_checkpoint(self,
                        out_dir,
                        filename,
                        *args,
                        backend_args=None,
                        **kwargs):
        from mmengine.fileio import get_file_backend
        if self.fail:
            raise KeyboardInterrupt
        backend = get_file_backend(out_dir, backend_args=backend_args)
        backend.put(f'{filename}'.encode(), osp.join(out_dir, filename))


def test_checkpoint_hook_removes_outdated_only_after_saving(tmp_path):
    runner = _FakeRunner(str(tmp_path))
    hook = AtomicCheckpointHook(interval=1, max_keep_ckpts=1)
    stale = tmp_path / '.epoch_0.pth.abc.partial'
    stale.write_bytes(b'half')
    hook.before_train(runner)
    assert not stale.exists()
    assert isinstance(hook.file_backend, AtomicLocalBackend)
    hook._save_checkpoint(runner)
    assert (tmp_path / 'last_checkpoint').read_text().endswith('epoch_1.pth')
    runner.epoch = 1
    runner.fail = True  # killed while writing epoch_2.pth
    with pytest.raises(KeyboardInterrupt):
        hook._save_checkpoint(runner)
    assert (tmp_path / 'epoch_1.pth').is_file()
    assert (tmp_path / 'last_checkpoint').read_text().endswith('epoch_1.pth')
    runner.fail = False
    hook._save_checkpoint(runner)
    assert sorted(os.listdir(tmp_path)) == ['epoch_2.pth', 'last_checkpoint']
