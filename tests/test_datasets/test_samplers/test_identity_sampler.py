from collections import Counter

import numpy as np
import pytest
from mmengine.runner import Runner

from mmsona.datasets import IdentitySampler, Market1501, check_identity_batch
from mmsona.datasets.samplers import identity_sampler
from mmsona.registry import DATA_SAMPLERS


class ListDataset:
    """A minimal dataset: only get_data_info (the sampler's fallback)."""

    def __init__(self, counts, num_cams=2, seed=0):
        rng = np.random.default_rng(seed)
        self.infos = []
        for label, count in enumerate(counts):
            for _ in range(count):
                self.infos.append(
                    dict(gt_label=label, camid=int(rng.integers(num_cams))))
        order = rng.permutation(len(self.infos))
        self.infos = [self.infos[i] for i in order]

    def __len__(self):
        return len(self.infos)

    def get_data_info(self, idx):
        return dict(self.infos[idx])


# 13 identities (odd, so DDP pads), some with fewer than K=4 images.
COUNTS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 2, 6, 12]


def _label(ds, idx):
    return ds.get_data_info(idx)['gt_label']


def _batches(sampler, batch_size):
    stream = list(sampler)
    return [
        stream[i:i + batch_size] for i in range(0, len(stream), batch_size)
    ]


def test_batches_hold_whole_identities_and_epoch_covers_all():
    ds = ListDataset(COUNTS)
    sampler = IdentitySampler(
        ds, num_instances=4, seed=0, rank=0, world_size=1)
    assert len(sampler) == 13 * 4 == len(list(sampler))
    batches = _batches(sampler, 8)
    for batch in batches[:-1]:
        labels = Counter(_label(ds, i) for i in batch)
        assert len(labels) == 2 and set(labels.values()) == {4}
    seen = Counter(_label(ds, i) for i in sampler)
    assert seen == {label: 4 for label in range(13)}
    # Identities with >= K images: K distinct images; fewer: all of them.
    stream = list(sampler)
    for j in range(13):
        chunk = stream[4 * j:4 * j + 4]
        count = COUNTS[_label(ds, chunk[0])]
        assert len(set(chunk)) == min(count, 4)


def test_same_seed_same_stream_new_epoch_new_stream():
    ds = ListDataset(COUNTS)
    a = IdentitySampler(ds, seed=3, rank=0, world_size=1)
    b = IdentitySampler(ds, seed=3, rank=0, world_size=1)
    assert list(a) == list(b)
    first = list(a)
    a.set_epoch(1)
    assert list(a) != first
    b.set_epoch(1)
    assert list(a) == list(b)
    c = IdentitySampler(ds, seed=4, rank=0, world_size=1)
    assert list(c) != first


@pytest.mark.parametrize('world_size', [2, 3])
def test_ddp_ranks_disjoint_and_union_is_single_process_stream(world_size):
    ds = ListDataset(COUNTS)
    p, k = 2, 4
    single = IdentitySampler(ds, num_instances=k, seed=7, rank=0, world_size=1)
    ranks = [
        IdentitySampler(
            ds, num_instances=k, seed=7, rank=r, world_size=world_size)
        for r in range(world_size)
    ]
    for epoch in (0, 5):
        single.set_epoch(epoch)
        for s in ranks:
            s.set_epoch(epoch)
        assert len({len(s) for s in ranks}) == 1
        assert sum(len(s) for s in ranks) >= len(single)
        per_rank = [_batches(s, p * k) for s in ranks]
        global_batches = _batches(single, world_size * p * k)
        num_full = len(single) // (world_size * p * k)
        assert num_full >= 1
        for it in range(num_full):
            ids = [{_label(ds, i)
                    for i in batches[it]} for batches in per_rank]
            for r in range(world_size):
                for q in range(r + 1, world_size):
                    assert not ids[r] & ids[q]
            union = sorted(i for batches in per_rank for i in batches[it])
            assert union == sorted(global_batches[it])
        # Over the epoch every identity is on some rank.
        covered = {_label(ds, i) for s in ranks for i in s}
        assert covered == set(range(13))


def test_ddp_rank_and_world_size_from_dist_info(monkeypatch):
    ds = ListDataset(COUNTS)
    monkeypatch.setattr(identity_sampler, 'get_dist_info', lambda: (1, 2))
    sampler = IdentitySampler(ds, seed=0)
    assert (sampler.rank, sampler.world_size) == (1, 2)
    full = IdentitySampler(ds, seed=0, rank=0, world_size=1).epoch_chunks()
    stream = list(sampler)
    assert len(stream) == 7 * 4
    assert stream[:24] == full[1::2].reshape(-1).tolist()
    # The 14th (padding) identity wraps around to the first one.
    assert _label(ds, stream[24]) == _label(ds, int(full[0, 0]))


def test_camera_balanced_prefers_other_cameras():
    ds = ListDataset([6] * 20, num_cams=3, seed=1)
    sampler = IdentitySampler(
        ds,
        num_instances=4,
        seed=0,
        camera_balanced=True,
        rank=0,
        world_size=1)
    cams = np.array([d['camid'] for d in ds.infos])
    labels = np.array([d['gt_label'] for d in ds.infos])
    stream = list(sampler)
    for j in range(20):
        anchor, *rest = stream[4 * j:4 * j + 4]
        label = labels[anchor]
        others = np.sum((labels == label) & (cams != cams[anchor]))
        got = sum(cams[i] != cams[anchor] for i in rest)
        assert got == min(3, others)
        assert len(set(stream[4 * j:4 * j + 4])) == 4


def test_uses_dataset_arrays_and_runner_builds_it(market_root):
    ds = Market1501(market_root, split='train')
    sampler = DATA_SAMPLERS.build(
        dict(type='IdentitySampler', num_instances=2),
        default_args=dict(dataset=ds, seed=0))
    assert len(sampler) == 3 * 2
    labels = ds.get_gt_labels()
    stream = list(sampler)
    assert Counter(labels[stream].tolist()) == {0: 2, 1: 2, 2: 2}
    loader = Runner.build_dataloader(
        dict(
            batch_size=4,
            num_workers=0,
            sampler=dict(type='mmsona.IdentitySampler', num_instances=2),
            dataset=ds),
        seed=0)
    batch = next(iter(loader))
    assert sorted(Counter(batch['gt_label']).values()) == [2, 2]


def test_check_identity_batch():
    assert check_identity_batch(32, 4) == 8
    with pytest.raises(ValueError) as info:
        check_identity_batch(30, 4, world_size=2)
    msg = str(info.value)
    assert 'batch_size=30' in msg and 'num_instances=4' in msg
    assert '28 or 32' in msg and 'per GPU' in msg and '60' in msg
    with pytest.raises(ValueError, match='at least 8'):
        check_identity_batch(4, 4)
    with pytest.raises(ValueError, match='positive'):
        check_identity_batch(0, 4)
    with pytest.raises(ValueError, match='num_instances'):
        IdentitySampler(ListDataset([2]), num_instances=0, seed=0)


def test_check_identity_batch_boundaries():
    """The smallest valid values pass, P is an int, and the message names
    the nearest valid batch sizes and the world size."""
    p = check_identity_batch(1, 1, min_identities=1)
    assert p == 1 and type(p) is int
    p = check_identity_batch(8, 4)  # exactly min_identities
    assert p == 2 and type(p) is int
    for num_instances in (0, -1, 2.0):
        with pytest.raises(ValueError, match='num_instances'):
            check_identity_batch(8, num_instances)
    with pytest.raises(
            ValueError,
            match=r'per GPU \(in total\)\. Set '
            r'batch_size to 4, or'):
        check_identity_batch(3, 4)
    with pytest.raises(
            ValueError,
            match=r'per GPU \(6 in total over 2 '
            r'processes\)\. Set batch_size to 2 or 4,'):
        check_identity_batch(3, 2, world_size=2)


class ArrayDataset(ListDataset):
    """Labels and cameras as arrays; reading an item would decode it."""

    def get_gt_labels(self):
        return [d['gt_label'] for d in self.infos]

    def get_cam_ids(self):
        return [d['camid'] for d in self.infos]

    def get_data_info(self, idx):
        raise AssertionError('the sampler decoded an item')


class LabelsOnlyDataset(ListDataset):
    """Label array but no camera array: the data infos are read."""

    def get_gt_labels(self):
        return [d['gt_label'] for d in self.infos]


def test_label_sources_and_argument_defaults():
    arrays = ArrayDataset(COUNTS, seed=2)
    sampler = IdentitySampler(arrays, seed=0)
    assert sampler.dataset is arrays and sampler.camera_balanced is False
    assert sampler.num_instances == 4
    balanced = IdentitySampler(
        arrays, num_instances=3, seed=0, camera_balanced=True)
    assert len(list(balanced)) == 3 * len(COUNTS)
    infos = LabelsOnlyDataset(COUNTS, seed=2)
    assert [int(i) for i in IdentitySampler(infos, seed=0)] == \
        [int(i) for i in sampler]
    # Infos without camid, one instance per identity, one item, no seed.
    plain = ListDataset([3, 2])
    for info in plain.infos:
        del info['camid']
    assert len(list(IdentitySampler(plain, num_instances=1, seed=0))) == 2
    one = ListDataset([1])
    assert [int(i) for i in IdentitySampler(one, num_instances=2)] == [0, 0]
    with pytest.raises(ValueError, match='rank=2'):
        IdentitySampler(arrays, seed=0, rank=2, world_size=2)


def test_members_in_dataset_order_and_int64_chunks():
    """Each identity's members ascend (a stable sort of the labels, also
    past the sizes where an unstable sort happens to keep order)."""
    rng = np.random.default_rng(0)
    ds = ListDataset(list(rng.integers(20, 40, 6)), seed=1)
    sampler = IdentitySampler(ds, seed=0)
    labels = np.array([_label(ds, i) for i in range(len(ds))])
    for identity, members in sampler._members.items():
        assert members.tolist() == np.flatnonzero(labels == identity).tolist()
    assert sampler.epoch_chunks().dtype == np.int64


def test_keys_hold_the_seed_modulo_two_to_the_64():
    sampler = IdentitySampler(ListDataset([4, 4]), seed=2**64 + 3)
    assert {i.key[0] for i in sampler} == {3}
