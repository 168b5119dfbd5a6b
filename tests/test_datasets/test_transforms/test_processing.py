"""RandomSquareErase: one square (or rectangle) filled, at random."""
import numpy as np
import pytest

from mmsona.datasets import RandomSquareErase


def test_random_square_erase():
    img = np.full((128, 64, 3), 255, np.uint8)
    out = RandomSquareErase(size=32, prob=1.0)(dict(img=img))['img']
    assert np.all(img == 255)  # input not modified
    zero = np.all(out == 0, axis=2)
    ys, xs = np.nonzero(zero)
    assert zero.sum() == 32 * 32
    assert ys.max() - ys.min() == 31 and xs.max() - xs.min() == 31
    same = RandomSquareErase(size=32, prob=0.0)(dict(img=img))['img']
    assert np.all(same == 255)
    mean = (103.53, 116.28, 123.675)
    big = RandomSquareErase(size=(200, 20), prob=1.0, pad_val=mean)
    out = big(dict(img=img))['img']
    filled = np.all(out == [103, 116, 123], axis=2)
    assert filled.sum() == 128 * 20 and filled.all(axis=0).sum() == 20
    with pytest.raises(ValueError, match='prob'):
        RandomSquareErase(prob=1.5)


def test_random_square_erase_is_random_over_calls():
    np.random.seed(0)
    img = np.full((128, 64, 3), 255, np.uint8)
    t = RandomSquareErase(size=16, prob=0.5)
    outcomes = [
        np.argwhere((t(dict(img=img))['img'] == 0).all(axis=2))
        for _ in range(40)
    ]
    erased = [o for o in outcomes if len(o)]
    assert 5 < len(erased) < 35
    assert len({tuple(o[0]) for o in erased}) > 3
