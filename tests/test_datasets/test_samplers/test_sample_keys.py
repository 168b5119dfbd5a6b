"""Sample keys: every sample's augmentation is drawn from its own stream in
the data workers, whatever the number or persistence of the workers."""
import pickle
import random

import numpy as np
import pytest
import torch
from mmengine.runner import Runner

from mmsona.datasets import BaseReIDDataset, IdentitySampler, ReIDRecord
from mmsona.datasets.samplers import (SampledIndex, sample_key_seed,
                                      seed_generators_for_sample)

NUM_IDS, PER_ID = 6, 3


class _DrawingDataset(BaseReIDDataset):
    """Records without image files; the pipeline only draws numbers."""

    DATASET_NAME = 'drawing'

    def load_split(self, split):
        return [
            ReIDRecord(f'{pid}_{i}.jpg', pid, i % 2) for pid in range(NUM_IDS)
            for i in range(PER_ID)
        ]


def _draw(results: dict) -> dict:
    """The three generators a transform may use, one value each."""
    draws = (float(np.random.rand()), random.random(), float(torch.rand(1)))
    return dict(idx=results['sample_idx'], draws=draws)


def _as_list(batch: list) -> list:
    return batch


def _loader(num_workers: int, persistent: bool, seed: int = 7):
    return Runner.build_dataloader(
        dict(
            batch_size=4,
            num_workers=num_workers,
            persistent_workers=persistent,
            sampler=dict(type='IdentitySampler', num_instances=4),
            collate_fn=dict(type=_as_list),
            dataset=dict(type=_DrawingDataset, pipeline=[_draw])),
        seed=seed)


def _epochs(loader, epochs=(0, 1)):
    """Per epoch: the (index, draws) of every position of the stream."""
    out = []
    for epoch in epochs:
        loader.sampler.set_epoch(epoch)
        out.append([(s['idx'], s['draws']) for batch in loader for s in batch])
    return out


def test_sampler_keys_its_plain_stream_by_global_position():
    ds = _DrawingDataset()
    sampler = IdentitySampler(ds, num_instances=4, seed=3)
    sampler.set_epoch(2)
    stream = list(sampler)
    assert all(isinstance(i, SampledIndex) for i in stream)
    assert [int(i) for i in stream] == sampler.epoch_chunks().ravel().tolist()
    assert [i.key for i in stream] == [(3, 2, p) for p in range(len(stream))]
    # Under DDP a sample keeps the key of its place in the all-rank stream.
    rank1 = list(
        IdentitySampler(ds, num_instances=4, seed=3, rank=1, world_size=2))
    assert [i.key[2] for i in rank1[:4]] == [4, 5, 6, 7]


def test_sampled_index_is_an_int_that_pickles_with_its_key():
    idx = SampledIndex(5, (1, 2, 3))
    assert idx == 5 and hash(idx) == hash(5) and [0, 1, 2, 3, 4, 5][idx] == 5
    back = pickle.loads(pickle.dumps(idx))
    assert back == 5 and back.key == (1, 2, 3)
    assert repr(idx) == 'SampledIndex(5, key=(1, 2, 3))'


def test_keys_give_distinct_reproducible_streams():
    seed_generators_for_sample((0, 0, 1))
    a = (np.random.rand(), random.random(), torch.rand(()))
    seed_generators_for_sample((0, 0, 1))
    assert (np.random.rand(), random.random(), torch.rand(())) == a
    seed_generators_for_sample((0, 1, 0))
    assert np.random.rand() != a[0]


def test_generators_are_seeded_from_the_four_key_words():
    """Each generator's seed, rebuilt from the key's four uint32 words:
    NumPy's from the words, Python's from their little-endian integer,
    PyTorch's from the first two as one 64-bit seed."""
    key = (7, 3, 11)
    words = sample_key_seed(key)
    assert words.shape == (4, ) and words.dtype == np.uint32
    seed_generators_for_sample(key)
    assert torch.initial_seed() == int(words[0]) + (int(words[1]) << 32)
    python_seed = sum(int(w) << (32 * i) for i, w in enumerate(words))
    assert random.getstate() == random.Random(python_seed).getstate()
    want = np.random.RandomState([int(w) for w in words]).get_state()[1]
    assert np.array_equal(np.random.get_state()[1], want)


@pytest.mark.slow
def test_worker_draws_depend_on_the_key_alone():
    one = _epochs(_loader(1, persistent=False))
    two = _epochs(_loader(2, persistent=True))
    assert one == two  # any number of workers, persistent or not
    first, second = one
    # The epochs differ (MMEngine reseeds non-persistent workers the same
    # way every epoch; the keys include the epoch).
    assert [d for _, d in first] != [d for _, d in second]
    assert len({d for _, d in first}) == len(first)  # no position repeats
    # A resumed run starts its workers at epoch 1: same draws.
    assert _epochs(_loader(2, persistent=True), epochs=(1, ))[0] == second


def test_main_process_loading_keeps_the_global_streams():
    """num_workers=0: the transforms draw from the process's generators,
    exactly as without keys (seeded runs stay bit-identical)."""
    loader = _loader(0, persistent=False)
    np.random.seed(11)
    random.seed(11)
    torch.manual_seed(11)
    got = _epochs(loader, epochs=(0, ))[0]
    np.random.seed(11)
    random.seed(11)
    torch.manual_seed(11)
    torch.empty((), dtype=torch.int64).random_()  # the loader's base seed
    expected = [(float(np.random.rand()), random.random(),
                 float(torch.rand(1))) for _ in got]
    assert [d for _, d in got] == expected


@pytest.mark.slow
@pytest.mark.parametrize('num_workers', [0, 1])
def test_dataset_items_are_plain_ints_inside(num_workers):
    got = _epochs(_loader(num_workers, persistent=False), epochs=(0, ))[0]
    assert all(type(i) is int for i, _ in got)
