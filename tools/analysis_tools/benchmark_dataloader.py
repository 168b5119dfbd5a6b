"""Measure how many images per second a config's data pipeline delivers.

With ``--with-model`` the model's training throughput (forward, backward
and an optimiser step on the same batches, in this process) is measured
too, so the two numbers are taken side by side on the same machine::

    python tools/analysis_tools/benchmark_dataloader.py \\
        configs/sona/sona_r18_synthetic.py --workers 0 1 2 --with-model

The loader keeps up when its images/s exceed the model's. Measure on an
otherwise idle machine: during training the loader workers and the model
share the CPU. The model is timed on ``--device`` (CUDA when available),
optionally under autocast (``--amp``).

Every loader line also gives the CPU time the main process spends per
batch (with workers: receiving the collated batch from them; with
``--workers 0``: everything). ``--collate`` compares collate functions,
``--repeats`` interleaves the settings so that a busy machine slows them
alike::

    python tools/analysis_tools/benchmark_dataloader.py \
        configs/sona/sona_r50_market.py --workers 1 --repeats 3 \
        --collate pseudo_collate default_collate
"""
import argparse
import sys
import time
from typing import Dict, List, Optional

import torch
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mmsona.analysis import (bare_train_step, batch_length, loader_config,
                             synchronize, time_loader)
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
        '--collate',
        nargs='+',
        default=None,
        help='collate functions to measure, e.g. pseudo_collate '
        'default_collate (default: the config\'s)')
    parser.add_argument(
        '--repeats',
        type=int,
        default=1,
        help='measure every setting this many times, interleaved '
        '(default: %(default)s)')
    parser.add_argument(
        '--with-model',
        action='store_true',
        help='also time the model\'s training step (forward + backward + '
        'SGD step) on the same kind of batches')
    parser.add_argument(
        '--device',
        default=None,
        help='device of the model with --with-model (default: cuda if '
        'available, else cpu)')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='time the model under autocast (float16 on CUDA, bfloat16 on '
        'the CPU)')
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
    if args.batches < 1 or args.model_iters < 1 or args.repeats < 1:
        parser.error('--batches, --model-iters and --repeats must be >= 1')
    if args.workers is not None and min(args.workers) < 0:
        parser.error('--workers values must be >= 0')
    return args


def time_model(config: Config,
               loader_cfg: Dict,
               iters: int,
               device: str = 'cpu',
               amp: bool = False) -> float:
    """Time training steps of the config's model on one real batch.

    Args:
        config (Config): The config (``model`` is built from it).
        loader_cfg (dict): Dataloader config giving the batch.
        iters (int): Steps timed after one warm-up step.
        device (str): Device of the model. Defaults to ``'cpu'``.
        amp (bool): Run forward and loss under autocast (float16 on CUDA,
            bfloat16 on the CPU). Defaults to False.

    Returns:
        float: Training images per second.
    """
    loader_cfg = dict(loader_cfg, num_workers=0, persistent_workers=False)
    batch = next(iter(Runner.build_dataloader(loader_cfg, seed=0)))
    device = torch.device(device)
    model = MODELS.build(config.model).to(device)
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-4)
    dtype = torch.float16 if device.type == 'cuda' else torch.bfloat16
    dtype = dtype if amp else None
    bare_train_step(model, optimizer, batch, dtype)
    synchronize(device)
    start = time.perf_counter()
    for _ in range(iters):
        bare_train_step(model, optimizer, batch, dtype)
    synchronize(device)
    elapsed = time.perf_counter() - start
    return iters * batch_length(batch) / elapsed


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
    collates: List[Optional[str]] = args.collate or [None]
    print(f'{args.config}: {args.dataloader}, '
          f'torch threads {torch.get_num_threads()}')
    best = 0.0
    cpu_ms: Dict[tuple, List[float]] = {}
    for _ in range(args.repeats):
        for w in workers:
            for collate in collates:
                cfg = loader_config(config, args.dataloader, w,
                                    args.batch_size, collate)
                name = cfg.get('collate_fn', {}).get('type', 'pseudo_collate')
                name = getattr(name, '__name__', name)
                result = time_loader(cfg, args.batches)
                best = max(best, result['images_per_s'])
                key = (cfg.get('num_workers', 0), name)
                cpu_ms.setdefault(key, []).append(result['main_cpu_ms'])
                print(f'  loader  num_workers={key[0]} '
                      f'batch_size={cfg["batch_size"]} {name}: '
                      f'{result["images_per_s"]:8.1f} images/s, '
                      f'main process {result["main_cpu_ms"]:6.2f} ms CPU '
                      f'per batch ({result["batches"]} batches; first '
                      f'batch {result["first_batch_s"]:.2f} s)')
    if len(cpu_ms) > 1:
        print('  main-process CPU per batch, median of the repeats:')
        for (w, name), values in cpu_ms.items():
            values = sorted(values)
            print(f'    num_workers={w} {name}: '
                  f'{values[len(values) // 2]:6.2f} ms')
    if args.with_model:
        device = args.device or ('cuda'
                                 if torch.cuda.is_available() else 'cpu')
        cfg = loader_config(config, args.dataloader, None, args.batch_size)
        model_ips = time_model(config, cfg, args.model_iters, device, args.amp)
        amp = ', autocast' if args.amp else ''
        print(f'  model   training step on {device}{amp}: '
              f'{model_ips:8.1f} images/s')
        verdict = 'keeps up with' if best >= model_ips else 'is SLOWER than'
        print(f'  best loader / model = {best / model_ips:.1f}: the loader '
              f'{verdict} training.')
    return 0


if __name__ == '__main__':
    sys.exit(main())
