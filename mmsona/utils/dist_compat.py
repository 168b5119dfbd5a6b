"""Distributed launch on machines without a GPU.

MMEngine's ``init_dist`` calls ``torch.cuda.set_device`` and its DDP wrapper
passes ``device_ids=[LOCAL_RANK]``; both fail for CPU processes. On a machine
with CUDA nothing here changes MMEngine's behaviour (NCCL, one GPU a process).
"""
import os

import torch
import torch.distributed as dist
from mmengine.config import Config

__all__ = ['setup_cpu_distributed']


def setup_cpu_distributed(cfg: Config) -> bool:
    """Prepare a torchrun-launched CPU process group before the Runner.

    When CUDA is unavailable and the process was started by a launcher that
    sets ``RANK`` (``torchrun``), the gloo process group is initialised here
    (the Runner then skips its own ``init_dist``) and the model wrapper is
    told to use no device ids.

    Args:
        cfg (Config): The config the Runner will be built from; its
            ``launcher`` must not be ``'none'`` for anything to happen.

    Returns:
        bool: True if a CPU process group is in use.
    """
    if torch.cuda.is_available() or 'RANK' not in os.environ:
        return False
    if cfg.get('launcher', 'none') == 'none':
        return False
    if not dist.is_initialized():
        timeout = cfg.get('env_cfg', {}).get('dist_cfg', {}).get('timeout')
        kwargs = {}
        if timeout is not None:
            import datetime
            kwargs['timeout'] = datetime.timedelta(seconds=timeout)
        dist.init_process_group('gloo', **kwargs)
    wrapper_cfg = dict(cfg.get('model_wrapper_cfg') or {})
    wrapper_cfg.setdefault('type', 'MMDistributedDataParallel')
    wrapper_cfg['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper_cfg
    return True
