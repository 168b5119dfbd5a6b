"""Checkpoints that a kill cannot leave half-written."""
import errno
import glob
import logging
import os
import os.path as osp
from typing import Optional

from mmengine.dist import (broadcast_object_list, get_world_size,
                           is_main_process)
from mmengine.fileio import LocalBackend
from mmengine.hooks import CheckpointHook
from mmengine.logging import print_log

from mmsona.registry import HOOKS
from mmsona.utils.checkpoint_compat import (non_plain_entries,
                                            restore_message_hub, to_plain_data)
from mmsona.utils.checkpoint_integrity import (checkpoint_problem,
                                               find_resumable_checkpoint)
from mmsona.utils.fileio import PARTIAL_SUFFIX, atomic_write

__all__ = ['AtomicCheckpointHook']


def _write_error(error: OSError, filename: str, out_dir: str,
                 previous: Optional[str]) -> OSError:
    """An ``OSError`` (same errno) saying which save failed and what is
    left."""
    if error.errno in (errno.ENOSPC, getattr(errno, 'EDQUOT', -1)):
        what = f'the disk of {out_dir} is full ({error.strerror})'
        fix = 'Free space (or lower max_keep_ckpts, or set out_dir to a '
        fix += 'larger disk) and resume with --resume.'
    else:
        what = f'{type(error).__name__}: {error}'
        fix = 'Fix the cause and resume with --resume.'
    kept = f'the previous checkpoint {previous} is intact' if previous \
        else 'this run has no earlier checkpoint'
    message = (f'Could not write the checkpoint {filename}: {what}. '
               f'Nothing was replaced or removed: {kept}. {fix}')
    return OSError(error.errno, message)


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """MMEngine's ``CheckpointHook`` with kill-safe writes.

    Same arguments and behaviour as ``CheckpointHook``, except that:

    - checkpoint files in a local folder are written atomically (a
      temporary file renamed into place), so a kill while saving leaves the
      previous checkpoints intact and never a truncated ``epoch_N.pth``;
    - ``last_checkpoint`` (what ``--resume auto`` reads) is replaced
      atomically and only after the new checkpoint is complete;
    - checkpoints beyond ``max_keep_ckpts`` are removed after the new one
      is saved (MMEngine removes them first, so a kill while saving with
      ``max_keep_ckpts=1`` would leave nothing to resume from);
    - temporary files left by a killed save are removed when training
      starts;
    - what it saves loads with ``torch.load(..., weights_only=True)``:
      MMEngine's ``HistoryBuffer`` logs in ``message_hub`` and NumPy
      values anywhere outside ``state_dict`` are stored as tensors and
      Python numbers (``mmsona.utils.to_plain_data``), and the logs are
      turned back into ``HistoryBuffer`` objects when a checkpoint is
      loaded, so a resumed run continues exactly as before. Objects
      written by other hooks that have no plain form are named in a
      warning (such a checkpoint needs ``--trust-checkpoint``);
    - ``--resume auto`` (``resume=True`` without ``load_from``) skips a
      truncated or corrupt newest checkpoint, with a warning naming it, and
      continues from the newest sound one; a damaged file given explicitly
      (``--resume PATH``) is refused with the reason;
    - a failed write (a full disk, ``ENOSPC``) raises an ``OSError`` that
      names the file, says what happened and that the previous checkpoint
      is intact (nothing was replaced or removed).

    Remote folders (``backend_args`` of another backend) keep their
    backend's behaviour.

    Args:
        **kwargs: Arguments of :class:`mmengine.hooks.CheckpointHook`.
    """

    _warned_non_plain = False

    def before_run(self, runner) -> None:
        super().before_run(runner)
        if not getattr(runner, '_resume', False) or getattr(
                runner, '_has_loaded', False):
            return
        # Rank 0 reads the files; every rank gets the same decision.
        choice = [None, [], None]
        if is_main_process():
            choice = list(
                self._resume_choice(runner._load_from, runner.work_dir))
        if get_world_size() > 1:
            broadcast_object_list(choice)
        path, damaged, error = choice
        for bad, problem in damaged:
            print_log(
                f'--resume: the checkpoint {bad} {problem}; it is skipped.',
                logger='current',
                level=logging.WARNING)
        if error is not None:
            raise ValueError(error)
        if runner._load_from is None and damaged:
            print_log(
                f'--resume auto continues from {path}, the newest sound '
                'checkpoint.',
                logger='current',
                level=logging.WARNING)
            runner._load_from = path

    @staticmethod
    def _resume_choice(load_from: Optional[str], work_dir: str) -> tuple:
        """The checkpoint to resume from, the damaged files passed over and
        an error message (None if resuming can go ahead)."""
        if load_from is None:
            path, damaged = find_resumable_checkpoint(work_dir)
            if path is None and damaged:
                listing = '; '.join(f'{bad} {why}' for bad, why in damaged)
                return None, damaged, (
                    f'--resume auto found no usable checkpoint in {work_dir}: '
                    f'{listing}. Delete the damaged files to start afresh, or '
                    'resume from another file with --resume PATH.')
            return path, damaged, None
        path = str(load_from)
        problem = None if '://' in path else checkpoint_problem(path)
        if problem is not None:
            return None, [], (
                f'Cannot resume from {path}: the file {problem}. Use --resume '
                'auto to continue from the newest sound checkpoint of the '
                'work dir, or give another file.')
        return path, [], None

    def before_train(self, runner) -> None:
        out_dir = self.out_dir or runner.work_dir
        if self.backend_args is None and self.file_client_args is None \
                and '://' not in str(out_dir):
            self.backend_args = dict(backend='local_atomic')
        super().before_train(runner)
        if is_main_process() and isinstance(self.file_backend, LocalBackend):
            stale_pattern = osp.join(
                glob.escape(str(self.out_dir)), f'.*{PARTIAL_SUFFIX}')
            for stale in glob.glob(stale_pattern):
                os.remove(stale)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Make the checkpoint loadable with ``weights_only=True``.

        Runs after the hooks of higher priority (``RNGStateHook`` ...) have
        added their entries.

        Args:
            runner: The runner.
            checkpoint (dict): The checkpoint about to be saved; changed in
                place.
        """
        for key in list(checkpoint):
            if key != 'state_dict':
                checkpoint[key] = to_plain_data(checkpoint[key])
        left = non_plain_entries(checkpoint)
        if left and not self._warned_non_plain:
            self._warned_non_plain = True
            print_log(
                'AtomicCheckpointHook: the checkpoint holds objects that '
                f'have no plain-data form: {", ".join(left)}. Loading it '
                'will need --trust-checkpoint (or trust_checkpoint=True).',
                logger='current',
                level=logging.WARNING)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Turn the saved logs back into MMEngine ``HistoryBuffer`` objects.

        Args:
            runner: The runner.
            checkpoint (dict): The loaded checkpoint; changed in place.
        """
        hub = checkpoint.get('message_hub')
        if isinstance(hub, dict):
            restore_message_hub(hub)

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        kept = list(self.keep_ckpt_ids) if self.max_keep_ckpts > 0 else []
        outdated = []
        if self.max_keep_ckpts > 0 and not (kept and kept[-1] == step):
            if len(kept) == self.max_keep_ckpts:
                outdated.append(kept.pop(0))
            kept.append(step)
            runner.message_hub.update_info('keep_ckpt_ids', kept)

        ckpt_filename = self.filename_tmpl.format(step)
        previous_last = self.last_ckpt
        self.last_ckpt = self.file_backend.join_path(self.out_dir,
                                                     ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        try:
            runner.save_checkpoint(
                self.out_dir,
                ckpt_filename,
                self.file_client_args,
                save_optimizer=self.save_optimizer,
                save_param_scheduler=self.save_param_scheduler,
                meta=meta,
                by_epoch=self.by_epoch,
                backend_args=self.backend_args,
                **self.args)
        except BaseException as e:
            # Nothing changed on disk; keep the bookkeeping in step with it.
            self.last_ckpt = previous_last
            if previous_last is not None:
                runner.message_hub.update_info('last_ckpt', previous_last)
            if self.max_keep_ckpts > 0:
                runner.message_hub.update_info('keep_ckpt_ids',
                                               list(self.keep_ckpt_ids))
            if isinstance(e, OSError):
                raise _write_error(e, ckpt_filename, self.out_dir,
                                   previous_last) from e
            raise
        if self.max_keep_ckpts > 0:
            self.keep_ckpt_ids.clear()
            self.keep_ckpt_ids.extend(kept)
        if not is_main_process():
            return
        atomic_write(self.last_ckpt,
                     osp.join(runner.work_dir, 'last_checkpoint'))
        for old in outdated:
            path = self.file_backend.join_path(self.out_dir,
                                               self.filename_tmpl.format(old))
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)
            elif self.file_backend.isdir(path):
                self.file_backend.rmtree(path)
