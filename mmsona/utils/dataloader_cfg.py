"""Keep dataloader configs valid when their number of workers changes."""
from typing import List

from mmengine.config import Config
from mmengine.logging import print_log

__all__ = ['drop_persistence_without_workers']

DATALOADER_KEYS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def drop_persistence_without_workers(cfg: Config) -> List[str]:
    """Turn ``persistent_workers`` off where ``num_workers`` is 0.

    The shipped configs keep their data workers alive between epochs
    (``persistent_workers=True``), which PyTorch refuses for
    ``num_workers=0`` (``persistent_workers option needs num_workers > 0``).
    Loading in the main process is the natural way to debug a pipeline, so
    ``--cfg-options train_dataloader.num_workers=0`` alone must work: this
    switches persistence off for every such dataloader, with a log line.

    Args:
        cfg (Config): The config (changed in place).

    Returns:
        list[str]: The dataloader keys that were changed.
    """
    changed = []
    for key in DATALOADER_KEYS:
        loader = cfg.get(key)
        if not isinstance(loader, dict):
            continue
        if loader.get('persistent_workers') and not loader.get(
                'num_workers', 0):
            loader['persistent_workers'] = False
            changed.append(key)
    if changed:
        print_log(
            f'{", ".join(changed)}: num_workers=0, so persistent_workers is '
            'set to False (there are no workers to keep).',
            logger='current')
    return changed
