"""Make PyTorch report one CUDA device, as on a one-GPU machine.

Put this folder on ``PYTHONPATH`` and every Python process started with it
(``torchrun`` and its workers included) sees ``torch.cuda.is_available()``
True and one device, unless ``CUDA_VISIBLE_DEVICES`` is empty, which hides
the devices exactly as it does on a real GPU machine. Tests that start
processes run them under it to check that they pick the CPU set-up where
CUDA exists.
"""
import os


def _visible_devices() -> int:
    return 0 if os.environ.get('CUDA_VISIBLE_DEVICES') == '' else 1


try:
    import torch
except ImportError:  # a Python process without torch: nothing to fake
    torch = None

if torch is not None:
    torch.cuda.is_available = lambda: _visible_devices() > 0
    torch.cuda.device_count = _visible_devices
