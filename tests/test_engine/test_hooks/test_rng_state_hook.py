"""RNGStateHook: RNG states saved with checkpoints, restored on resume."""
from types import SimpleNamespace

import numpy as np
import torch

from mmsona.engine.hooks import RNGStateHook, get_rng_state, set_rng_state


def test_rng_state_round_trip():
    state = get_rng_state()
    a = (torch.rand(3), np.random.rand(3), __import__('random').random())
    set_rng_state(state)
    b = (torch.rand(3), np.random.rand(3), __import__('random').random())
    assert torch.equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert a[2] == b[2]


def test_rng_hook_restores_only_on_resume_and_hides_validation():
    hook = RNGStateHook(by_epoch=True, interval=1)
    runner = SimpleNamespace(epoch=2, iter=10)
    torch.manual_seed(1)
    hook.after_train_epoch(SimpleNamespace(epoch=1, iter=10, train_loop=None))
    saved = {}
    hook.before_save_checkpoint(runner, saved)
    expected = torch.rand(2)

    # load_from: the loop starts at 0, the seed's stream is kept.
    hook.after_load_checkpoint(runner,
                               dict(saved, meta=dict(epoch=2, iter=10)))
    torch.manual_seed(5)
    hook.before_train(SimpleNamespace(epoch=0, iter=0))
    assert not torch.equal(torch.rand(2), expected)

    # resume: the loop continues at the checkpoint's position.
    hook.after_load_checkpoint(runner,
                               dict(saved, meta=dict(epoch=2, iter=10)))
    torch.manual_seed(5)
    hook.before_train(runner)
    hook.before_val(runner)
    torch.rand(100)  # validation draws
    hook.after_val(runner)
    assert torch.equal(torch.rand(2), expected)
