"""Images per second of a config's data loader.

Used by ``tools/analysis_tools/benchmark_dataloader.py`` (loader settings
side by side) and ``tools/analysis_tools/benchmark_train.py`` (the loader
beside the training step it has to feed).
"""
import copy
import time
from typing import Dict, Mapping, Optional

from mmengine.runner import Runner

__all__ = ['loader_config', 'batch_length', 'time_loader']


def loader_config(config: Mapping,
                  key: str = 'train_dataloader',
                  workers: Optional[int] = None,
                  batch_size: Optional[int] = None,
                  collate: Optional[str] = None) -> Dict:
    """A copy of a config's dataloader settings with overrides.

    Args:
        config (Mapping): The config.
        key (str): Dataloader key. Defaults to ``'train_dataloader'``.
        workers (int, optional): ``num_workers`` to use instead.
        batch_size (int, optional): ``batch_size`` to use instead.
        collate (str, optional): Collate function type to use instead.

    Returns:
        dict: The dataloader config; ``persistent_workers`` is off when
        there are no workers (PyTorch refuses the combination).
    """
    cfg = copy.deepcopy(config[key])
    if workers is not None:
        cfg['num_workers'] = workers
    if batch_size is not None:
        cfg['batch_size'] = batch_size
    if collate is not None:
        cfg['collate_fn'] = dict(type=collate)
    if cfg.get('num_workers', 0) == 0:
        cfg['persistent_workers'] = False
    return cfg


def batch_length(batch: Mapping) -> int:
    """Images in a collated batch (``inputs`` stacked or listed)."""
    if 'inputs' in batch:
        return len(batch['inputs'])
    return len(next(iter(batch.values())))


def time_loader(loader_cfg: Dict, num_batches: int) -> Dict:
    """Iterate a dataloader and time it.

    Args:
        loader_cfg (dict): Dataloader config.
        num_batches (int): Batches timed after one warm-up batch.

    Returns:
        dict: ``images_per_s``, ``batches``, ``first_batch_s`` (worker
        start-up and the first batch) and ``main_cpu_ms`` (CPU time of
        this process per timed batch, its threads included, its workers
        not).
    """
    loader = Runner.build_dataloader(loader_cfg, seed=0)
    start = time.perf_counter()
    iterator = iter(loader)
    next(iterator)
    first = time.perf_counter() - start
    images, batches = 0, 0
    start = time.perf_counter()
    cpu_start = time.process_time()
    while batches < num_batches:
        try:
            batch = next(iterator)
        except StopIteration:
            iterator = iter(loader)
            continue
        images += batch_length(batch)
        batches += 1
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    del iterator
    return dict(
        images_per_s=images / elapsed,
        batches=batches,
        first_batch_s=first,
        main_cpu_ms=1000.0 * cpu / batches)
