"""Per-sample random streams for the data workers.

With data workers, every augmentation draw happens in a worker process whose
generators MMEngine seeds once per worker start (the same way every epoch).
The drawn values then depend on how many workers there are, on whether they
persist between epochs and on where a resumed run started them, and with
non-persistent workers every epoch repeats the draws of the first.

A sampler that yields :class:`SampledIndex` values instead gives every sample
of the stream a key ``(run seed, epoch, position in the epoch's stream)``; a
dataset that honours keys seeds the worker's generators (Python's, NumPy's
and PyTorch's) from that key before it loads and augments the sample
(:func:`seed_generators_for_sample`). Each sample's augmentation is then a
function of its key alone: the same for any number of workers, with or
without persistence, before and after a resume, and different every epoch.

In the main process (``num_workers=0``) keys are ignored: the transforms
draw from the process's generators as they always did, and
:class:`~mmsona.engine.hooks.RNGStateHook` restores those on resume.
"""
import random
from typing import Tuple

import numpy as np
import torch

__all__ = ['SampledIndex', 'sample_key_seed', 'seed_generators_for_sample']

# Mixed into every key, so the sample streams never coincide with another
# generator seeded from the run seed (the samplers' own, for instance).
_STREAM_TAG = 0x5A3D1E5

_MASK_64 = (1 << 64) - 1


class SampledIndex(int):
    """A dataset index that carries the key of its sample's random stream.

    It behaves as the plain ``int`` index everywhere; datasets that honour
    keys read :attr:`key`.

    Args:
        index (int): The dataset index.
        key (tuple[int, ...]): Non-negative integers naming the sample's
            stream, ``(run seed, epoch, position)`` for the samplers of
            mmsona.
    """

    def __new__(cls, index: int, key: Tuple[int, ...]) -> 'SampledIndex':
        obj = super().__new__(cls, index)
        obj.key = tuple(int(k) for k in key)
        return obj

    def __reduce__(self):
        return SampledIndex, (int(self), self.key)

    def __repr__(self) -> str:
        return f'SampledIndex({int(self)}, key={self.key})'


def sample_key_seed(key: Tuple[int, ...]) -> np.ndarray:
    """The seed words of a sample's stream.

    Args:
        key (tuple[int, ...]): The sample key.

    Returns:
        np.ndarray: Four uint32 words from NumPy's ``SeedSequence`` of the
        key (so nearby keys give unrelated streams).
    """
    entropy = [_STREAM_TAG] + [int(k) & _MASK_64 for k in key]
    return np.random.SeedSequence(entropy).generate_state(4, np.uint32)


def seed_generators_for_sample(key: Tuple[int, ...]) -> None:
    """Seed Python's, NumPy's and PyTorch's global generators from a key.

    Meant for data worker processes, whose global generators serve only the
    data pipeline (which runs on the CPU: only PyTorch's CPU generator is
    seeded, at a hundredth of the cost of ``torch.manual_seed``).

    Args:
        key (tuple[int, ...]): The sample key.
    """
    words = sample_key_seed(key)
    np.random.seed(words)
    random.seed(int.from_bytes(words.tobytes(), 'little'))
    torch.default_generator.manual_seed(int(words[0]) | (int(words[1]) << 32))
