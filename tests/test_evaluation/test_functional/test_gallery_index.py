"""GalleryIndex look-ups against a per-query scan of the gallery."""
import numpy as np
import torch

from mmsona.evaluation.functional.gallery_index import GalleryIndex


def test_lookup_matches_a_scan():
    rng = np.random.default_rng(0)
    pids = torch.from_numpy(rng.integers(-1, 6, 40))
    index = GalleryIndex(pids, torch.zeros(40, dtype=torch.long))
    assert index.num_items == 40
    queries = torch.tensor([-1, 0, 1, 3, 7, 5])
    gidx, valid = index.lookup(queries)
    assert gidx.dtype == torch.long and valid.dtype == torch.bool
    for row, pid in enumerate(queries.tolist()):
        want = [] if pid == -1 else torch.nonzero(pids == pid).flatten()
        assert gidx[row][valid[row]].tolist() == list(want)


def test_empty_queries_and_a_gallery_of_junk():
    index = GalleryIndex(torch.tensor([2, 2, -1]), torch.tensor([0, 1, 0]))
    for gidx, valid in (index.lookup(torch.zeros(0, dtype=torch.long)),
                        GalleryIndex(
                            torch.tensor([-1, -1]),
                            torch.tensor([0, 1])).lookup(torch.tensor([2,
                                                                       3]))):
        assert gidx.dtype == torch.long and valid.dtype == torch.bool
        assert gidx.shape == valid.shape and gidx.shape[1] == 0
    assert index.lookup(torch.tensor([2, 3]))[0].shape == (2, 2)


def test_lookup_follows_the_queries_not_the_default_device():
    """Look-ups make their tensors on the queries' device, whatever the
    default device (meta here, a stand-in for another device)."""
    index = GalleryIndex(
        torch.tensor([3, 1, -1, 3, 1]), torch.tensor([0, 1, 0, 2, 0]))
    no_groups = GalleryIndex(torch.tensor([-1, -1]), torch.tensor([0, 1]))
    queries = torch.tensor([3, 2, 1, -1])
    want = index.lookup(queries)
    with torch.device('meta'):
        got = index.lookup(queries)
        empty = no_groups.lookup(queries)
    for out, ref in zip(got, want):
        assert out.device == queries.device and torch.equal(out, ref)
    assert [t.device for t in empty] == [queries.device] * 2
    assert empty[0].shape == (4, 0)
