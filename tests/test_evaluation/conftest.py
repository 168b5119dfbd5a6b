"""The reference evaluator for the evaluation tests."""
import numpy as np
import pytest

from mmsona.evaluation.functional.reference import reference_evaluate


def brute_force_rank(distmat, q_pids, g_pids, q_camids, g_camids, max_rank):
    """Market-protocol metrics of the full-sort reference evaluator.

    Returns ``None`` when no query has a valid match.
    """
    try:
        return reference_evaluate(distmat, q_pids, g_pids, q_camids, g_camids,
                                  max_rank)
    except ValueError:
        return None


def assert_same_summary(out, ref, tol=1e-9):
    """Compare an evaluation dict with a reference dict."""
    assert out['num_valid_queries'] == ref['num_valid_queries']
    assert out['cmc'].shape == ref['cmc'].shape
    np.testing.assert_allclose(out['cmc'], ref['cmc'], rtol=0, atol=tol)
    assert abs(out['mAP'] - ref['mAP']) <= tol
    assert abs(out['mINP'] - ref['mINP']) <= tol


@pytest.fixture
def brute_force():
    """:func:`brute_force_rank`."""
    return brute_force_rank


@pytest.fixture
def same_summary():
    """:func:`assert_same_summary`."""
    return assert_same_summary
