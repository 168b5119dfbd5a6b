"""Spotting host-device synchronisations on the CPU.

On a GPU, reading a tensor's value on the host (``.item()``, ``bool()``,
``int()``) and every operation whose output size depends on the data
(boolean-mask indexing, ``nonzero``, ``masked_select``) wait for the device.
A dispatch mode sees them as ATen operations on CPU tensors too.
"""
from typing import Callable, List

import torch
from torch.utils._python_dispatch import TorchDispatchMode

aten = torch.ops.aten
SYNC_OPS = {
    aten._local_scalar_dense.default, aten.is_nonzero.default,
    aten.nonzero.default, aten.masked_select.default
}


class _SyncRecorder(TorchDispatchMode):

    def __init__(self) -> None:
        super().__init__()
        self.syncs: List[str] = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func in SYNC_OPS:
            self.syncs.append(str(func))
        elif func in (aten.index.Tensor, aten.index_put.default,
                      aten.index_put_.default):
            indices = args[1] if len(args) > 1 else []
            if any(i is not None and i.dtype == torch.bool for i in indices):
                self.syncs.append(f'{func} with a boolean mask')
        return func(*args, **kwargs)


def host_syncs(fn: Callable[[], object]) -> List[str]:
    """The operations of ``fn()`` that would wait for a GPU.

    Args:
        fn (Callable): Code to run (forward and backward alike).

    Returns:
        list[str]: One entry per synchronising operation, in order.
    """
    recorder = _SyncRecorder()
    with recorder:
        fn()
    return recorder.syncs
