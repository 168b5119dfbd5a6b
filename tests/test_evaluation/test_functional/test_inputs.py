"""The shared input checks and ranking options."""
import numpy as np
import pytest
import torch

from mmsona.evaluation.functional import RankingOptions, evaluate_rank
from mmsona.evaluation.functional.inputs import (as_feature_pair, as_ids,
                                                 to_tensor)


def test_ranking_options_check_their_values():
    assert RankingOptions() == RankingOptions(50, None, 'market', 10, 0)
    with pytest.raises(ValueError, match='protocol'):
        RankingOptions(protocol='duke')
    with pytest.raises(ValueError, match='max_rank'):
        RankingOptions(max_rank=0)
    with pytest.raises(ValueError, match='chunk_size'):
        RankingOptions(chunk_size=-1)


def test_chunk_size_zero_means_the_default():
    dist = np.array([[0.2, 0.1], [0.3, 0.4]])
    ids = ([1, 2], [2, 1], [0, 0], [1, 1])
    assert evaluate_rank(
        dist, *ids, chunk_size=0)['mAP'] == evaluate_rank(dist, *ids)['mAP']


def test_feature_pair_follows_the_query():
    q, g = as_feature_pair(
        np.ones((2, 3), dtype=np.int64), torch.ones(4, 3, dtype=torch.float32))
    assert q.dtype == g.dtype == torch.float64
    q, g = as_feature_pair(torch.ones(2, 3, dtype=torch.float16), [[1, 2, 3]])
    assert q.dtype == g.dtype == torch.float16
    with pytest.raises(ValueError, match='shapes'):
        as_feature_pair(torch.ones(2, 3), torch.ones(2, 4))
    with pytest.raises(ValueError, match='shapes'):
        as_feature_pair(torch.ones(3), torch.ones(2, 3))


def test_ids_are_checked():
    ids = as_ids(
        np.array([[1], [2]], dtype=np.int32), 'q_pids', 2, torch.device('cpu'))
    assert ids.dtype == torch.int64 and ids.tolist() == [1, 2]
    with pytest.raises(ValueError, match='q_pids has 2 entries, expected 3'):
        as_ids([1, 2], 'q_pids', 3, torch.device('cpu'))
    with pytest.raises(ValueError, match='integers'):
        as_ids([True], 'g_camids', 1, torch.device('cpu'))


def test_inputs_follow_the_query_device_and_short_curves_are_valid():
    """``meta`` stands in for a GPU: NumPy inputs move to the query's
    device."""
    meta = torch.device('meta')
    query, gallery = as_feature_pair(
        torch.zeros(2, 3, device=meta), np.zeros((4, 3), np.float32))
    assert gallery.device.type == 'meta'
    assert as_ids(np.arange(4), 'g_pids', 4, meta).device.type == 'meta'
    assert to_tensor([1, 2], device=meta).device.type == 'meta'
    assert RankingOptions(max_rank=1).max_rank == 1
