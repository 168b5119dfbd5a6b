"""mmsona.analysis.train_step: per-step peak memory and paired ratios."""
import mmap

import pytest
import torch

from mmsona.analysis import PeakMemory, ratio_stats

pytestmark = pytest.mark.slow


def test_peak_memory_sees_a_step_allocation():
    memory = PeakMemory(torch.device('cpu'))
    if not memory.available:
        pytest.skip('no per-step peak on this platform')
    memory.start()
    # 64 MB of new pages, touched: an anonymous map, so that no memory the
    # allocator kept from an earlier test is reused (that is not seen).
    block = mmap.mmap(-1, 64 * 2**20)
    block.write(b'\1' * len(block))
    block.close()
    assert memory.stop() > 48
    memory.start()
    assert memory.stop() < 16


def test_step_ratio_pairs_steps():
    # Naive reference: sort the pairwise ratios and take the middle one.
    num, den = [2.0, 9.0, 4.0], [1.0, 3.0, 1.0]
    ratios = sorted(a / b for a, b in zip(num, den))
    assert ratio_stats(dict(n=num, d=den), 'n', 'd')[0] == ratios[1] == 3.0
