"""mean_std and paired_difference: statistics over the seeds of a grid."""
import statistics

import pytest

from mmsona.analysis import mean_std, paired_difference


def test_mean_std_against_statistics():
    values = [61.5, 58.25, 64.0]
    assert mean_std(values) == (pytest.approx(sum(values) / 3),
                                pytest.approx(statistics.stdev(values)))
    assert mean_std([5.0]) == (5.0, 0.0)


@pytest.mark.slow
def test_paired_difference_against_a_hand_computed_interval():
    base = [60.0, 58.0, 65.0]
    other = [62.5, 58.5, 68.0]
    results = [
        dict(config=name, seed=seed, **{'reid/mAP': value})
        for name, values in (('base', base), ('other', other))
        for seed, value in enumerate(values)
    ]
    # Missing seeds on one side are left out of the pairing.
    results.append(dict(config='other', seed=7, **{'reid/mAP': 0.0}))
    diffs = [2.5, 0.5, 3.0]
    mean = sum(diffs) / 3
    sd = (sum((d - mean)**2 for d in diffs) / 2)**0.5
    t_975_df2 = 4.302652729911275  # Student t, two-sided 95%, 2 d.o.f.
    got = paired_difference(results, 'other', 'base', 'reid/mAP')
    assert got == (pytest.approx(mean), pytest.approx(t_975_df2 * sd / 3**0.5),
                   3)
    one = paired_difference(results[:1] + results[3:4], 'other', 'base',
                            'reid/mAP')
    assert one[0] == 2.5 and one[2] == 1 and one[1] != one[1]  # NaN
    assert paired_difference(results, 'none', 'base', 'reid/mAP') is None
