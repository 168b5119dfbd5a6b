"""The full-sort reference evaluator on hand-computed cases."""
import tracemalloc

import numpy as np
import pytest

from mmsona.evaluation.functional.reference import reference_evaluate


def test_protocol_by_hand():
    # Query pid 1 in camera 0.
    g_pids = np.array([1, 1, -1, 0, 2, 1])
    g_cams = np.array([0, 1, 1, 1, 1, 2])
    dist = np.array([[0.0, 3.0, 1.0, 2.0, 2.0, 5.0]])
    out = reference_evaluate(dist, [1], g_pids, [0], g_cams, max_rank=6)
    # Ranked valid list: 0(d2,idx3) 2(d2,idx4) 1(d3) 1(d5); the same-camera
    # match and the junk item are dropped, ties go by index. The CMC stays
    # at 1 past the four valid items.
    np.testing.assert_array_equal(out['cmc'], [0, 0, 1, 1, 1, 1])
    assert out['mAP'] == pytest.approx((1 / 3 + 2 / 4) / 2, abs=1e-15)
    assert out['mINP'] == pytest.approx(2 / 4, abs=1e-15)
    assert out['num_valid_queries'] == 1


def test_ties_follow_gallery_index():
    # Two items at the same distance: the earlier one ranks first.
    dist = np.array([[1.0, 1.0], [1.0, 1.0]])
    out = reference_evaluate(dist, [1, 2], [2, 1], [0, 0], [1, 1], 2)
    np.testing.assert_array_equal(out['cmc'], [0.5, 1.0])
    assert out['mAP'] == pytest.approx(0.75)


def test_queries_without_a_match_are_left_out():
    dist = np.array([[0.1, 0.2], [0.3, 0.4]])
    out = reference_evaluate(dist, [1, 5], [1, 2], [0, 0], [1, 1], 2)
    assert out['num_valid_queries'] == 1
    with pytest.raises(ValueError, match='valid match'):
        reference_evaluate(dist, [5, 6], [1, 2], [0, 0], [1, 1], 2)


def test_blocks_and_sort_kind_do_not_change_distinct_distances():
    rng = np.random.default_rng(0)
    dist = rng.random((13, 40))
    ids = (rng.integers(1, 5, 13), rng.integers(-1, 5, 40),
           rng.integers(0, 3, 13), rng.integers(0, 3, 40))
    full = reference_evaluate(dist, *ids, max_rank=10)
    for kwargs in (dict(block_rows=4), dict(sort_kind='quicksort')):
        other = reference_evaluate(dist, *ids, max_rank=10, **kwargs)
        np.testing.assert_array_equal(other['cmc'], full['cmc'])
        assert other['mAP'] == full['mAP'] and other['mINP'] == full['mINP']


def _peak_bytes(*args, **kwargs) -> int:
    """Peak traced memory (NumPy reports its buffers) of one evaluation."""
    tracemalloc.start()
    try:
        reference_evaluate(*args, **kwargs)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_block_rows_bounds_the_sort_and_the_default_sorts_all_rows():
    """The (Q, G) argsort is made whole by default and in blocks of
    block_rows rows otherwise (the result is the same, test above)."""
    rng = np.random.default_rng(1)
    num_q, num_g = 120, 400
    dist = rng.random((num_q, num_g))
    ids = (rng.integers(1, 5, num_q), rng.integers(-1, 5, num_g),
           rng.integers(0, 3, num_q), rng.integers(0, 3, num_g))
    whole = num_q * num_g * np.dtype(np.intp).itemsize
    assert _peak_bytes(dist, *ids, max_rank=5) >= whole
    assert _peak_bytes(dist, *ids, max_rank=5, block_rows=5) < whole / 3
