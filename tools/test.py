"""Evaluate a trained re-ID checkpoint with the MMEngine Runner.

Example:
    python tools/test.py configs/sona/sona_r18_synthetic.py \
        work_dirs/sona_r18_synthetic/epoch_12.pth --out feats.pth
"""
import argparse
import os
import os.path as osp
import sys

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from mmsona.utils import (UntrustedCheckpointError, add_model_arguments,
                          config_name, is_config_type, missing_file_message,
                          register_all_modules, setup_cpu_distributed,
                          setup_deterministic_env, trusted_checkpoints)


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line arguments (the OpenMMLab ``tools/test.py`` set)."""
    parser = argparse.ArgumentParser(
        description='Test (evaluate) a person re-identification model.')
    add_model_arguments(parser, config_help='path of the config file')
    parser.add_argument(
        '--work-dir',
        help='folder for the evaluation log (default: ./work_dirs/<config '
        'name>)')
    parser.add_argument(
        '--out',
        help='write query/gallery features, pids, camids and image paths to '
        'this file (torch.save format) for later analysis')
    parser.add_argument(
        '--show-dir',
        help='write rank-list pictures under this folder of the work dir')
    parser.add_argument(
        '--flip',
        action='store_true',
        help='average the features of each image and its mirror image')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. test_evaluator.rerank=True')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher for distributed testing')
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
    cfg.load_from = args.checkpoint
    cfg.resume = False
    if args.flip:
        cfg.model.test_flip = True
    if args.out is not None:
        evaluators = cfg.test_evaluator if isinstance(
            cfg.test_evaluator, list) else [cfg.test_evaluator]
        for evaluator in evaluators:
            if is_config_type(evaluator.get('type'), 'ReIDMetric'):
                evaluator['dump_features'] = args.out
    if args.show_dir is not None:
        hooks = cfg.get('custom_hooks', [])
        for hook in hooks:
            if is_config_type(hook.get('type'), 'ReIDVisualizationHook'):
                hook['enable'] = True
                hook['out_dir'] = args.show_dir
                break
        else:
            hooks.append(
                dict(
                    type='ReIDVisualizationHook',
                    enable=True,
                    out_dir=args.show_dir))
        cfg.custom_hooks = hooks
    return cfg


def main(argv=None) -> None:
    """Evaluate from the command line."""
    args = parse_args(argv)
    missing = missing_file_message(('Config file', args.config),
                                   ('Checkpoint file', args.checkpoint))
    if missing:
        raise SystemExit(missing)
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    cfg = merge_args(cfg, args)
    setup_cpu_distributed(cfg)
    setup_deterministic_env(cfg)
    runner = Runner.from_cfg(cfg)
    trusted = [args.checkpoint] if args.trust_checkpoint else []
    try:
        with trusted_checkpoints(trusted):
            metrics = runner.test()
    except UntrustedCheckpointError as e:
        raise SystemExit(f'error: {e}')
    if runner.rank == 0:
        print('\n'.join(
            f'{k}: {v:.2f}' if isinstance(v, float) else f'{k}: {v}'
            for k, v in metrics.items()))


if __name__ == '__main__':
    sys.exit(main())
