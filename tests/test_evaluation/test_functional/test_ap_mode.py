"""ap_mode='trapezoid' against a walk through the ranked list (Market rule)."""
import numpy as np
import pytest
import torch

from mmsona.evaluation import (RankingOptions, ReIDMetric, compute_distance,
                               evaluate_features, evaluate_rank)

JUNK = -1


def market_trapezoid_map(distmat, q_pids, g_pids, q_camids, g_camids):
    """Mean AP by the official Market-1501 rule, one gallery item at a time.

    The gallery is ranked by distance (ties by index). Junk items (pid -1)
    and the query's identity in its own camera are skipped. At every other
    item the precision is updated; where recall grows (a match), the area
    added is the recall step times the mean of the precision before the
    item (1 at the start) and at it.
    """
    aps = []
    for row in range(len(q_pids)):
        order = np.argsort(distmat[row], kind='stable')
        same_id = g_pids == q_pids[row]
        good = same_id & (g_camids != q_camids[row])
        skip = (g_pids == JUNK) | (same_id & (g_camids == q_camids[row]))
        num_good = int(good.sum())
        if num_good == 0:
            continue
        ap, seen, found = 0.0, 0, 0
        old_precision, old_recall = 1.0, 0.0
        for item in order:
            if skip[item]:
                continue
            seen += 1
            found += int(good[item])
            recall = found / num_good
            precision = found / seen
            ap += (recall - old_recall) * (old_precision + precision) / 2
            old_precision, old_recall = precision, recall
            if found == num_good:
                break
        aps.append(ap)
    return float(np.mean(aps))


def mean_precision_map(distmat, q_pids, g_pids, q_camids, g_camids):
    """Mean AP as the mean of the precisions at the matches."""
    aps = []
    for row in range(len(q_pids)):
        order = np.argsort(distmat[row], kind='stable')
        same_id = g_pids[order] == q_pids[row]
        keep = (g_pids[order] != JUNK) & ~(
            same_id & (g_camids[order] == q_camids[row]))
        hits = same_id[keep]
        if not hits.any():
            continue
        ranks = np.nonzero(hits)[0]
        aps.append(np.mean(np.arange(1, len(ranks) + 1) / (ranks + 1)))
    return float(np.mean(aps))


@pytest.mark.parametrize('seed', range(6))
def test_trapezoid_matches_the_market_walk(seed, make_ids):
    rng = np.random.default_rng(seed)
    num_q, num_g = 25, 160
    ids = make_ids(rng, num_q, num_g, 6, 3)
    # Integer features: many exactly equal distances (ties by index).
    q = torch.from_numpy(rng.integers(-2, 3, (num_q, 3)).astype(np.float64))
    g = torch.from_numpy(rng.integers(-2, 3, (num_g, 3)).astype(np.float64))
    distmat = compute_distance(q, g).numpy()
    want = market_trapezoid_map(distmat, *ids)
    out = evaluate_rank(distmat, *ids, ap_mode='trapezoid')
    assert out['mAP'] == pytest.approx(want, abs=1e-12)
    feats = evaluate_features(q, g, *ids, ap_mode='trapezoid', chunk_size=7)
    assert feats['mAP'] == pytest.approx(want, abs=1e-12)
    # The default is unchanged, and the trapezoid figure is never higher:
    # the precision before a match is at most the one at it.
    mean = evaluate_rank(distmat, *ids)
    assert mean['mAP'] == pytest.approx(
        mean_precision_map(distmat, *ids), abs=1e-12)
    assert out['mAP'] <= mean['mAP'] + 1e-15
    np.testing.assert_array_equal(out['cmc'], mean['cmc'])
    assert out['mINP'] == mean['mINP']


def test_trapezoid_of_hand_made_lists():
    # One query, matches at ranks 0 and 2 of 4 valid items: precisions
    # before/at are (1, 1) and (1/2, 2/3); AP = ((1 + 1) / 2 +
    # (1/2 + 2/3) / 2) / 2.
    distmat = np.array([[0.1, 0.2, 0.3, 0.4]])
    ids = (np.array([1]), np.array([1, 2, 1,
                                    3]), np.array([0]), np.array([1, 1, 1, 1]))
    out = evaluate_rank(distmat, *ids, ap_mode='trapezoid')
    assert out['mAP'] == pytest.approx((1 + (1 / 2 + 2 / 3) / 2) / 2)
    assert evaluate_rank(distmat, *ids)['mAP'] == pytest.approx(
        (1 + 2 / 3) / 2)


def test_ap_mode_option_is_checked():
    assert RankingOptions().ap_mode == 'mean'
    with pytest.raises(ValueError, match='ap_mode'):
        RankingOptions(ap_mode='interpolated')
    with pytest.raises(ValueError, match='ap_mode'):
        ReIDMetric(ap_mode='voc')


def test_reid_metric_trapezoid():
    rng = np.random.default_rng(4)
    q, g = torch.randn(10, 5), torch.randn(40, 5)
    q_pids, g_pids = rng.integers(1, 5, 10), rng.integers(0, 5, 40)
    q_cams, g_cams = rng.integers(0, 3, 10), rng.integers(0, 3, 40)
    metric = ReIDMetric(ap_mode='trapezoid', topk=(1, ))
    for feats, pids, cams, is_query in ((q, q_pids, q_cams, True),
                                        (g, g_pids, g_cams, False)):
        metric.process(None, [
            dict(pred_feature=f, pid=int(p), camid=int(c), is_query=is_query)
            for f, p, c in zip(feats, pids, cams)
        ])
    got = metric.evaluate(50)
    want = evaluate_features(
        q, g, q_pids, g_pids, q_cams, g_cams, ap_mode='trapezoid')
    assert got['reid/mAP'] == pytest.approx(want['mAP'] * 100, abs=1e-9)
