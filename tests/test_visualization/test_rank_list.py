"""select_rank_list and choose_queries: the Market-protocol rank list of a
query and the queries drawn."""
import numpy as np
import pytest

from mmsona.visualization import choose_queries, select_rank_list


def naive_rank_list(dist, q_pid, q_cam, g_pids, g_cams, topk):
    """Reference: sort, drop junk, take topk; report kinds."""
    order = sorted(range(len(dist)), key=lambda i: (dist[i], i))
    valid = [
        i for i in order
        if not (g_pids[i] == -1 or (g_pids[i] == q_pid and g_cams[i] == q_cam))
    ]
    return [(i, 'correct' if g_pids[i] == q_pid else 'wrong')
            for i in valid[:topk]]


def test_select_rank_list_matches_a_naive_reference():
    rng = np.random.default_rng(0)
    for _ in range(20):
        n = int(rng.integers(5, 40))
        dist = np.round(rng.random(n), 1)  # many ties
        g_pids = rng.choice([-1, 0, 3, 5, 7], size=n)
        g_cams = rng.integers(0, 3, size=n)
        items = select_rank_list(
            dist, 5, 1, g_pids, g_cams, topk=6, junk='skip')
        expected = naive_rank_list(dist, 5, 1, g_pids, g_cams, 6)
        assert [(it.index, it.kind) for it in items] == expected
        assert [it.rank for it in items] == list(range(1, len(items) + 1))


def test_junk_is_marked_unranked_where_it_falls():
    dist = [0.1, 0.2, 0.3, 0.4, 0.5]
    g_pids = [5, 5, 0, -1, 5]
    g_cams = [1, 2, 0, 2, 1]
    items = select_rank_list(dist, 5, 1, g_pids, g_cams, topk=3)
    assert [(it.index, it.kind, it.rank)
            for it in items] == [(0, 'junk', None), (1, 'correct', 1),
                                 (2, 'wrong', 2), (3, 'junk', None),
                                 (4, 'junk', None)]
    # The distractor (pid 0) is a wrong match, not junk.
    assert items[2].distance == 0.3
    with pytest.raises(ValueError, match='junk'):
        select_rank_list(dist, 5, 1, g_pids, g_cams, junk='hide')
    with pytest.raises(ValueError, match='must match'):
        select_rank_list(dist[:2], 5, 1, g_pids, g_cams)


def test_choose_queries_is_seeded_sorted_and_bounded():
    a = choose_queries(100, 8, seed=3)
    assert np.array_equal(a, choose_queries(100, 8, seed=3))
    assert not np.array_equal(a, choose_queries(100, 8, seed=4))
    assert list(a) == sorted(set(a.tolist())) and len(a) == 8
    assert list(choose_queries(3, 8)) == [0, 1, 2]
    assert len(choose_queries(0, 8)) == 0
