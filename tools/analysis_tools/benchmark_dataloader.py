"""Measure how many images per second a config's data pipeline delivers.

With ``--with-model`` the model's training throughput (forward, backward
and an optimiser step on the same batches, in this process) is measured
too, so the two numbers are taken side by side on the same machine::

    python tools/analysis_tools/benchmark_dataloader.py \\
        configs/sona/sona_r18_synthetic.py --workers 0 1 2 --with-model

The loader keeps up when its images/s exceed the model's. Measure on an
otherwise idle machine: during training the loader workers and the model
share the CPU.
"""
import argparse
import copy
import sys
import time
from typing import Dict, List, Optional

import torch
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mmsona.registry import MODELS


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Images/s of the data pipeline of a config (and '
        'optionally of the model training step, side by side).')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--dataloader',
        default='train_dataloader',
        help='dataloader key of the config (default: %(default)s)')
    parser.add_argument(
        '--workers',
        type=int,
        nargs='+',
        default=None,
        help='num_workers values to measure (default: the config\'s)')
    parser.add_argument(
        '--batches',
        type=int,
        default=20,
        help='batches timed per setting, after one warm-up batch '
        '(default: %(default)s)')
    parser.add_argument(
        '--batch-size',
        type=int,
        default=None,
        help='override the batch size (default: the config\'s)')
    parser.add_argument(
        '--with-model',
        action='store_true',
        help='also time the model\'s training step (forward + backward + '
        'SGD step) on the same kind of batches')
    parser.add_argument(
        '--model-iters',
        type=int,
        default=5,
        help='training steps timed with --with-model, after one warm-up '
        'step (default: %(default)s)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, xxx=yyy format, as in tools/train.py')
    args = parser.parse_args(argv)
    if args.batches < 1 or args.model_iters < 1:
        parser.error('--batches and --model-iters must be >= 1')
    if args.workers is not None and min(args.workers) < 0:
        parser.error('--workers values must be >= 0')
    return args


def _loader_cfg(config: Config, key: str, workers: Optional[int],
                batch_size: Optional[int]) -> Dict:
    cfg = copy.deepcopy(config[key])
    if workers is not None:
        cfg['num_workers'] = workers
    if batch_size is not None:
        cfg['batch_size'] = batch_size
    if cfg.get('num_workers', 0) == 0:
        cfg['persistent_workers'] = False
    return cfg


def _batch_size(batch: Dict) -> int:
    if 'inputs' in batch:
        return len(batch['inputs'])
    return len(next(iter(batch.values())))


def time_loader(loader_cfg: Dict, num_batches: int) -> Dict:
    """Iterate a dataloader and time it.

    Args:
        loader_cfg (dict): Dataloader config.
        num_batches (int): Batches timed after one warm-up batch.

    Returns:
        dict: ``images_per_s``, ``batches`` and ``first_batch_s`` (worker
        start-up and the first batch).
    """
    loader = Runner.build_dataloader(loader_cfg, seed=0)
    start = time.perf_counter()
    iterator = iter(loader)
    next(iterator)
    first = time.perf_counter() - start
    images, batches = 0, 0
    start = time.perf_counter()
    while batches < num_batches:
        try:
            batch = next(iterator)
        except StopIteration:
            iterator = iter(loader)
            continue
        images += _batch_size(batch)
        batches += 1
    elapsed = time.perf_counter() - start
    del iterator
    return dict(
        images_per_s=images / elapsed, batches=batches, first_batch_s=first)


def time_model(config: Config, loader_cfg: Dict, iters: int) -> float:
    """Time training steps of the config's model on one real batch.

    Args:
        config (Config): The config (``model`` is built from it).
        loader_cfg (dict): Dataloader config giving the batch.
        iters (int): Steps timed after one warm-up step.

    Returns:
        float: Training images per second.
    """
    loader_cfg = dict(loader_cfg, num_workers=0, persistent_workers=False)
    batch = next(iter(Runner.build_dataloader(loader_cfg, seed=0)))
    model = MODELS.build(config.model)
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-4)

    def step():
        data = model.data_preprocessor(batch, True)
        losses = model(**data, mode='loss')
        loss, _ = model.parse_losses(losses)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    step()
    start = time.perf_counter()
    for _ in range(iters):
        step()
    elapsed = time.perf_counter() - start
    return iters * _batch_size(batch) / elapsed


def main(argv=None) -> int:
    args = parse_args(argv)
    config = Config.fromfile(args.config)
    if args.cfg_options:
        config.merge_from_dict(args.cfg_options)
    init_default_scope(config.get('default_scope', 'mmsona'))
    if args.dataloader not in config:
        print(
            f'error: {args.config} has no {args.dataloader}', file=sys.stderr)
        return 2
    workers: List[Optional[int]] = args.workers or [None]
    print(f'{args.config}: {args.dataloader}, '
          f'torch threads {torch.get_num_threads()}')
    best = 0.0
    for w in workers:
        cfg = _loader_cfg(config, args.dataloader, w, args.batch_size)
        result = time_loader(cfg, args.batches)
        best = max(best, result['images_per_s'])
        print(f'  loader  num_workers={cfg.get("num_workers", 0)} '
              f'batch_size={cfg["batch_size"]}: '
              f'{result["images_per_s"]:8.1f} images/s '
              f'({result["batches"]} batches; first batch '
              f'{result["first_batch_s"]:.2f} s)')
    if args.with_model:
        cfg = _loader_cfg(config, args.dataloader, None, args.batch_size)
        model_ips = time_model(config, cfg, args.model_iters)
        print(f'  model   training step: {model_ips:8.1f} images/s')
        verdict = 'keeps up with' if best >= model_ips else 'is SLOWER than'
        print(f'  best loader / model = {best / model_ips:.1f}: the loader '
              f'{verdict} training.')
    return 0


if __name__ == '__main__':
    sys.exit(main())
