"""Train a re-ID model with the MMEngine Runner.

Example:
    python tools/train.py configs/sona/sona_r18_synthetic.py
    tools/dist_train.sh configs/sona/sona_r50_market.py 4
"""
import argparse
import os
import os.path as osp
import sys
from typing import List, Tuple

import torch
from mmengine.config import Config, DictAction
from mmengine.runner import Runner, find_latest_checkpoint

from mmsona.utils import (UntrustedCheckpointError, add_trust_argument,
                          config_name, drop_persistence_without_workers,
                          register_all_modules, setup_cpu_distributed,
                          setup_deterministic_env, trusted_checkpoints)


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line arguments (the OpenMMLab ``tools/train.py`` set)."""
    parser = argparse.ArgumentParser(
        description='Train a person re-identification model.')
    parser.add_argument('config', help='path of the training config file')
    parser.add_argument(
        '--work-dir',
        help='folder for logs and checkpoints '
        '(default: ./work_dirs/<config name>)')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from a checkpoint path, or from the latest checkpoint '
        'in the work dir when given without a value (or "auto")')
    add_trust_argument(
        parser,
        what='the checkpoint of --resume PATH or of the config\'s load_from',
        note=' (--resume auto trusts the last checkpoint of the run\'s own '
        'work dir without it)')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='automatic mixed precision (CUDA only)')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='do not evaluate checkpoints during training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rate linearly with the total batch size '
        '(auto_scale_lr.base_batch_size in the config)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. '
        'train_dataloader.batch_size=64 model.backbone.sona_stages="(1,)"')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher for distributed training')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply the command-line options to the config.

    Args:
        cfg (Config): The loaded config.
        args (argparse.Namespace): Parsed arguments.

    Returns:
        Config: The updated config.
    """
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', config_name(args.config))
    if args.amp:
        if not torch.cuda.is_available():
            raise SystemExit(
                '--amp needs a CUDA GPU (MMEngine\'s AmpOptimWrapper); none '
                'is available. Train without --amp on the CPU.')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
        cfg.default_hooks.checkpoint.pop('save_best', None)
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    return cfg


def trusted_files(cfg: Config, args: argparse.Namespace) -> list:
    """The checkpoints this run may unpickle fully.

    ``--resume auto`` trusts the checkpoint that ``last_checkpoint`` of the
    run's own work dir names when it lies in that folder (a checkpoint the
    run wrote itself); ``--trust-checkpoint`` trusts ``load_from`` (the
    path of ``--resume PATH``). Nothing else is trusted.

    Args:
        cfg (Config): The merged config.
        args (argparse.Namespace): Parsed arguments.

    Returns:
        list[str]: Checkpoint paths.
    """
    files = []
    if args.trust_checkpoint and cfg.get('load_from'):
        files.append(cfg.load_from)
    if cfg.get('resume') and not cfg.get('load_from'):
        work_dir = osp.realpath(cfg.work_dir)
        last = find_latest_checkpoint(work_dir) if osp.isfile(
            osp.join(work_dir, 'last_checkpoint')) else None
        if last and osp.realpath(last).startswith(work_dir + os.sep):
            files.append(last)
    return files


def build_runner(argv=None) -> Tuple[Runner, List[str]]:
    """Build the Runner that :func:`main` trains.

    Args:
        argv (list[str], optional): Command-line arguments (default:
            ``sys.argv``).

    Returns:
        tuple[Runner, list[str]]: The Runner of the config with every option
        applied, and the checkpoints it may unpickle fully
        (:func:`trusted_files`).
    """
    args = parse_args(argv)
    if not osp.isfile(args.config):
        raise SystemExit(f'Config file {args.config!r} does not exist.')
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    cfg = merge_args(cfg, args)
    drop_persistence_without_workers(cfg)
    setup_cpu_distributed(cfg)
    setup_deterministic_env(cfg)
    return Runner.from_cfg(cfg), trusted_files(cfg, args)


def main(argv=None) -> None:
    """Train from the command line."""
    runner, trusted = build_runner(argv)
    try:
        with trusted_checkpoints(trusted):
            runner.train()
    except UntrustedCheckpointError as e:
        raise SystemExit(f'error: {e}')
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        # Leave the process group together: a rank that exits while another
        # still uses it can be aborted at exit ('terminate called without an
        # active exception' with gloo).
        dist.barrier()
        dist.destroy_process_group()


if __name__ == '__main__':
    sys.exit(main())
