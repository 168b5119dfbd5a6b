"""A region that runs in the tensors' own precision under autocast."""
import contextlib
from typing import ContextManager

import torch

__all__ = ['autocast_disabled']


def autocast_disabled(device: torch.device) -> ContextManager:
    """Turn autocast off for the type of ``device`` inside the region.

    Under ``torch.autocast`` (``--amp``) matrix products run in float16 or
    bfloat16 whatever the precision of their inputs. Code whose accuracy
    needs float32 (distances from a Gram matrix, for instance) casts its
    inputs and runs inside this region.

    Args:
        device (torch.device): Device of the tensors computed in the region.

    Returns:
        ContextManager: ``torch.autocast(device.type, enabled=False)``, or a
        no-op context for a device type autocast does not know.
    """
    device_type = torch.device(device).type
    is_available = getattr(torch.amp, 'is_autocast_available', None)
    known = (
        is_available(device_type)
        if is_available is not None else device_type in ('cpu', 'cuda'))
    if not known:
        return contextlib.nullcontext()
    return torch.autocast(device_type, enabled=False)
