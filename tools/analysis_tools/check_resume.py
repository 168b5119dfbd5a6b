"""Kill a training run with SIGKILL, resume it, and compare the weights.

Trains CONFIG twice under ``randomness.deterministic=True`` with a
checkpoint at every epoch end:

1. uninterrupted, in ``<work-dir>/reference``;
2. in ``<work-dir>/resumed``: killed with SIGKILL at the chosen point
   (in the middle of an epoch, during a validation, or while a checkpoint
   is being written), then continued with ``tools/train.py --resume auto``,

and compares the final checkpoints' state dicts. The resume lost nothing
when the maximum absolute difference is exactly 0 (exit status 0; 1
otherwise). The config's own dataloader settings (workers, persistence)
are kept. The two runs go concurrently unless ``--sequential``.

Example (the demo config as shipped, killed in epoch 2 of 3)::

    python tools/analysis_tools/check_resume.py \\
        configs/sona/sona_r18_synthetic.py --epochs 3 --kill-epoch 2
"""
import argparse
import os
import os.path as osp
import runpy
import shutil
import signal
import subprocess
import sys
from typing import Dict, List, Optional, Tuple

import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmsona.utils import load_local_checkpoint

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PHASES = ('train', 'val', 'save')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Kill a training run, resume it with --resume auto and '
        'compare its final weights with an uninterrupted run.')
    parser.add_argument('config', help='training config file')
    parser.add_argument(
        '--work-dir',
        help='folder of both runs (default: '
        './work_dirs/check_resume/<config name>); emptied first')
    parser.add_argument(
        '--epochs',
        type=int,
        default=3,
        help='training epochs of both runs (default: %(default)s)')
    parser.add_argument(
        '--kill-epoch',
        type=int,
        default=2,
        help='1-based epoch in which the run is killed; with '
        '"--kill-during val" or "save", the epoch whose validation or '
        'checkpoint is interrupted (default: %(default)s)')
    parser.add_argument(
        '--kill-iter',
        type=int,
        default=None,
        help='0-based training (or validation) iteration of that epoch '
        'after which the run is killed (default: the middle of the epoch; '
        'the first validation iteration)')
    parser.add_argument(
        '--kill-during',
        choices=PHASES,
        default='train',
        help='kill while training, validating or writing the checkpoint '
        '(default: %(default)s)')
    parser.add_argument(
        '--sequential',
        action='store_true',
        help='run the two trainings one after the other')
    parser.add_argument(
        '--timeout',
        type=float,
        default=3600,
        help='seconds allowed to each training process (default: '
        '%(default)s)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        default=[],
        help='config overrides for both runs, as in tools/train.py')
    parser.add_argument(
        '--killed-run', action='store_true', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.epochs < 2 or not 1 <= args.kill_epoch <= args.epochs:
        parser.error('need --epochs >= 2 and 1 <= --kill-epoch <= --epochs')
    return args


class KillHook(Hook):
    """SIGKILL this process at one point of the training.

    Args:
        epoch (int): 1-based epoch.
        iteration (int, optional): 0-based iteration of that epoch's
            training or validation (None: the middle, or the first).
        phase (str): ``'train'``, ``'val'`` or ``'save'``.
    """

    priority = 'VERY_LOW'

    def __init__(self, epoch: int, iteration: Optional[int],
                 phase: str) -> None:
        self.epoch = epoch
        self.iteration = iteration
        self.phase = phase

    @staticmethod
    def _kill() -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        os.kill(os.getpid(), signal.SIGKILL)

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        if self.phase != 'train' or runner.epoch != self.epoch - 1:
            return
        target = self.iteration
        if target is None:
            target = len(runner.train_dataloader) // 2
        if batch_idx == target:
            self._kill()

    def after_val_iter(self,
                       runner,
                       batch_idx: int,
                       data_batch=None,
                       outputs=None) -> None:
        # Validation after epoch E runs with runner.epoch == E.
        if self.phase == 'val' and runner.epoch == self.epoch and \
                batch_idx == (self.iteration or 0):
            self._kill()

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        # The checkpoint of epoch E is written while runner.epoch == E - 1;
        # the file is complete but not yet renamed into place when killed.
        if self.phase == 'save' and runner.epoch == self.epoch - 1:
            os.replace = lambda *args, **kwargs: self._kill()


def _train_argv(args: argparse.Namespace, work_dir: str,
                resume: bool) -> List[str]:
    options = [
        f'train_cfg.max_epochs={args.epochs}',
        'default_hooks.checkpoint.interval=1',
        'randomness.deterministic=True',
    ]
    if args.kill_during == 'val':
        options.append('train_cfg.val_interval=1')
    argv = [args.config, '--work-dir', work_dir]
    if resume:
        argv += ['--resume', 'auto']
    return argv + ['--cfg-options', *options, *args.cfg_options]


def _killed_run(args: argparse.Namespace) -> None:
    """Train with the kill hook (in the child process).

    ``tools/train.py`` runs here as a script, exactly as from the command
    line, with the kill hook registered when training starts.
    """
    kill_hook = KillHook(args.kill_epoch, args.kill_iter, args.kill_during)
    train = Runner.train

    def train_until_killed(runner: Runner):
        runner.register_hook(kill_hook)
        return train(runner)

    Runner.train = train_until_killed
    train_py = osp.join(REPO, 'tools', 'train.py')
    sys.argv = [train_py, *_train_argv(args, args.work_dir, resume=False)]
    runpy.run_path(train_py, run_name='__main__')


def _prepare_data(args: argparse.Namespace) -> None:
    """Build the config's data sets once, before the runs start, so that
    the two concurrent runs never generate the same synthetic benchmark at
    the same time."""
    from mmengine.config import Config, DictAction

    from mmsona.registry import DATASETS
    from mmsona.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        namespace = argparse.Namespace()
        DictAction([], 'options')(None, namespace, list(args.cfg_options))
        cfg.merge_from_dict(namespace.options)
    for loader in ('train_dataloader', 'val_dataloader'):
        spec = cfg.get(loader, {}).get('dataset')
        if spec is not None:
            DATASETS.build(spec)


def _env() -> Dict[str, str]:
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        p for p in (REPO, env.get('PYTHONPATH')) if p)
    return env


def _start(argv: List[str], log: str) -> Tuple[subprocess.Popen, object]:
    out = open(log, 'w')
    proc = subprocess.Popen([sys.executable, *argv],
                            stdout=out,
                            stderr=subprocess.STDOUT,
                            env=_env())
    return proc, out


def _finish(proc: subprocess.Popen, out, timeout: float) -> int:
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise
    finally:
        out.close()


def _tail(log: str, lines: int = 30) -> str:
    with open(log) as f:
        return ''.join(f.readlines()[-lines:])


def _last_checkpoint(work_dir: str) -> str:
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        return f.read().strip()


def compare_state_dicts(a: dict, b: dict) -> Tuple[float, List[str]]:
    """Largest absolute difference between two state dicts.

    Args:
        a (dict): A state dict.
        b (dict): Another one.

    Returns:
        tuple[float, list[str]]: The maximum absolute difference over all
        tensors (``inf`` when keys, shapes or dtypes differ) and the keys
        that differ.
    """
    if a.keys() != b.keys():
        return float('inf'), sorted(set(a) ^ set(b))
    worst, differing = 0.0, []
    for key, x in a.items():
        y = b[key]
        if x.shape != y.shape or x.dtype != y.dtype:
            return float('inf'), [key]
        if torch.equal(x, y):
            continue
        differing.append(key)
        diff = (x.double() - y.double()).abs().max().item() \
            if x.numel() else 0.0
        worst = max(worst, diff if diff == diff else float('inf'))
    return worst, differing


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.work_dir is None:
        args.work_dir = osp.join('work_dirs', 'check_resume',
                                 osp.splitext(osp.basename(args.config))[0])
    if args.killed_run:
        _killed_run(args)
        return 0
    if not osp.isfile(args.config):
        print(f'error: config {args.config!r} does not exist', file=sys.stderr)
        return 2
    shutil.rmtree(args.work_dir, ignore_errors=True)
    _prepare_data(args)
    ref_dir = osp.join(args.work_dir, 'reference')
    run_dir = osp.join(args.work_dir, 'resumed')
    os.makedirs(run_dir)
    os.makedirs(ref_dir)
    train_py = osp.join(REPO, 'tools', 'train.py')
    kill_argv = [
        osp.abspath(__file__), args.config, '--killed-run', '--work-dir',
        run_dir, '--epochs',
        str(args.epochs), '--kill-epoch',
        str(args.kill_epoch), '--kill-during', args.kill_during
    ]
    if args.kill_iter is not None:
        kill_argv += ['--kill-iter', str(args.kill_iter)]
    if args.cfg_options:
        kill_argv += ['--cfg-options', *args.cfg_options]
    ref_log = osp.join(args.work_dir, 'reference.log')
    kill_log = osp.join(args.work_dir, 'killed.log')
    ref = _start([train_py, *_train_argv(args, ref_dir, False)], ref_log)
    if args.sequential:
        ref_code = _finish(*ref, args.timeout)
    kill = _start(kill_argv, kill_log)
    kill_code = _finish(*kill, args.timeout)
    if not args.sequential:
        ref_code = _finish(*ref, args.timeout)
    if ref_code != 0:
        print(
            f'error: the uninterrupted run failed ({ref_log}):\n'
            f'{_tail(ref_log)}',
            file=sys.stderr)
        return 2
    if kill_code != -signal.SIGKILL:
        print(
            f'error: the run was not killed (exit status {kill_code}; '
            f'{kill_log}):\n{_tail(kill_log)}',
            file=sys.stderr)
        return 2
    killed_at = _last_checkpoint(run_dir) if osp.isfile(
        osp.join(run_dir, 'last_checkpoint')) else None
    resume_log = osp.join(args.work_dir, 'resumed.log')
    code = _finish(
        *_start([train_py, *_train_argv(args, run_dir, True)], resume_log),
        args.timeout)
    if code != 0:
        print(
            f'error: the resumed run failed ({resume_log}):\n'
            f'{_tail(resume_log)}',
            file=sys.stderr)
        return 2
    ref_ckpt = _last_checkpoint(ref_dir)
    run_ckpt = _last_checkpoint(run_dir)
    # Both runs' own checkpoints: plain data, read without unpickling code.
    a = load_local_checkpoint(ref_ckpt, map_location='cpu')
    b = load_local_checkpoint(run_ckpt, map_location='cpu')
    worst, differing = compare_state_dicts(a['state_dict'], b['state_dict'])
    if args.kill_during == 'save':
        where = 'while writing its checkpoint'
    elif args.kill_during == 'val':
        where = f'after validation iteration {args.kill_iter or 0}'
    elif args.kill_iter is None:
        where = 'in the middle of its training iterations'
    else:
        where = f'after training iteration {args.kill_iter}'
    print(f'config: {args.config}')
    last = osp.basename(killed_at) if killed_at else 'none'
    print(f'killed: SIGKILL in epoch {args.kill_epoch}, {where} (last '
          f'checkpoint: {last})')
    print(f'reference: {ref_ckpt} (iteration {a["meta"].get("iter")})')
    print(f'resumed:   {run_ckpt} (iteration {b["meta"].get("iter")})')
    print(f'state_dict: {len(a["state_dict"])} tensors, {len(differing)} '
          f'differ')
    print(f'max abs weight difference: {worst:g}')
    exact = worst == 0 and a['meta'].get('iter') == b['meta'].get('iter')
    print('exact resume: ' + ('yes' if exact else 'NO'))
    return 0 if exact else 1


if __name__ == '__main__':
    sys.exit(main())
