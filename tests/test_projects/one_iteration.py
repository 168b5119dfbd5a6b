"""Build a project config and run one training iteration per default scope.

Run by ``test_project_configs.py`` in a fresh interpreter, so that only the
config's ``custom_imports`` registers mmsona::

    python one_iteration.py CONFIG WORK_DIR --scopes mmpretrain mmsona \\
        --set '{"train_dataloader.batch_size": 4}'

Prints one JSON line per scope: the scope in effect, the backbone class,
whether the config imported mmsona, and the training loss.
"""
import argparse
import copy
import json
import os.path as osp
import sys


def set_by_path(cfg, key: str, value) -> None:
    """Replace ``cfg[a][b]...`` for the dotted ``key`` (no merging)."""
    *parents, last = key.split('.')
    node = cfg
    for name in parents:
        node = node[name]
    node[last] = value


def main() -> None:
    """Load, override, and train one iteration per scope."""
    parser = argparse.ArgumentParser()
    parser.add_argument('config')
    parser.add_argument('work_dir')
    parser.add_argument('--scopes', nargs='+', required=True)
    parser.add_argument('--set', default='{}', help='JSON {dotted key: value}')
    args = parser.parse_args()

    if 'mmsona' in sys.modules:
        raise RuntimeError('mmsona was imported before the config.')
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmengine.runner import Runner

    cfg = Config.fromfile(args.config)
    for key, value in json.loads(args.set).items():
        set_by_path(cfg, key, value)
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=1)
    for name in ('val', 'test'):
        cfg[f'{name}_cfg'] = None
        cfg[f'{name}_dataloader'] = None
        cfg[f'{name}_evaluator'] = None
    imported = None
    for scope in args.scopes:
        run_cfg = copy.deepcopy(cfg)
        run_cfg.default_scope = scope
        run_cfg.experiment_name = f'one_iteration_{scope}'
        run_cfg.work_dir = osp.join(args.work_dir, scope)
        run_cfg.log_level = 'WARNING'
        runner = Runner.from_cfg(run_cfg)
        current = DefaultScope.get_current_instance().scope_name
        runner.train()
        if imported is None:
            # Judged after the first scope only: a default scope of 'mmsona'
            # makes MMEngine import mmsona by itself.
            imported = 'mmsona' in sys.modules
        loss = runner.message_hub.get_scalar('train/loss').current()
        print(
            json.dumps(
                dict(
                    scope=current,
                    backbone=type(runner.model.backbone).__name__,
                    # by custom_imports or a pure-Python config's classes
                    mmsona_imported_by_config=imported,
                    loss=float(loss))))


if __name__ == '__main__':
    main()
