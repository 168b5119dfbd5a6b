"""DropBlock+ drops one batch-shared block in training only."""
import pytest
import torch

from mmsona.models import DropBlockPlus


def zero_box(mask: torch.Tensor) -> tuple:
    """Rows and columns that contain a zero."""
    rows = (mask == 0).any(dim=1).nonzero().flatten()
    cols = (mask == 0).any(dim=0).nonzero().flatten()
    return rows, cols


def test_one_rectangle_shared_by_batch_and_channels():
    torch.manual_seed(0)
    layer = DropBlockPlus(h_range=(0.2, 0.5), w_range=(0.5, 1.0)).train()
    x = torch.rand(4, 3, 12, 8) + 1.0  # no zeros of its own
    y = layer(x)
    mask = (y / x)[0, 0]
    assert torch.equal((y / x), mask.expand_as(x))  # same for all
    rows, cols = zero_box(mask)
    # The zeros form exactly one contiguous rectangle.
    assert rows.numel() > 0 and cols.numel() > 0
    assert rows.max() - rows.min() + 1 == rows.numel()
    assert cols.max() - cols.min() + 1 == cols.numel()
    assert int((mask == 0).sum()) == rows.numel() * cols.numel()
    assert 2 <= rows.numel() <= 6 and 4 <= cols.numel() <= 8
    # Kept values are not rescaled.
    assert set(mask.unique().tolist()) == {0.0, 1.0}


def test_fixed_ranges_reproduce_batch_dropblock():
    torch.manual_seed(1)
    layer = DropBlockPlus(h_range=(0.33, 0.33), w_range=(1.0, 1.0)).train()
    for _ in range(20):
        mask = layer(torch.ones(2, 1, 24, 8))[0, 0]
        rows, cols = zero_box(mask)
        assert rows.numel() == round(0.33 * 24) and cols.numel() == 8


def test_block_sizes_vary_within_range():
    torch.manual_seed(2)
    layer = DropBlockPlus(h_range=(0.1, 0.5)).train()
    heights = {
        zero_box(layer(torch.ones(1, 1, 40, 10))[0, 0])[0].numel()
        for _ in range(50)
    }
    assert len(heights) > 5 and min(heights) >= 4 and max(heights) <= 20


def test_identity_in_eval_and_deterministic_under_seed():
    layer = DropBlockPlus()
    x = torch.rand(2, 4, 10, 6)
    assert torch.equal(layer.eval()(x), x)
    layer.train()
    torch.manual_seed(5)
    a = layer(x)
    torch.manual_seed(5)
    assert torch.equal(layer(x), a)


def test_invalid_ranges_are_rejected():
    with pytest.raises(ValueError, match='h_range'):
        DropBlockPlus(h_range=(0.6, 0.3))
    with pytest.raises(ValueError, match='w_range'):
        DropBlockPlus(w_range=(0.0, 1.0))


@pytest.mark.parametrize('size', [(12, 8), (7, 5)])
def test_every_block_position_is_drawn(size):
    """Over seeded draws the top and left offsets take every value from 0
    to the last one that keeps the block inside the map."""
    height, width = size
    layer = DropBlockPlus(h_range=(0.25, 0.25), w_range=(0.5, 0.5)).train()
    block_h, block_w = round(0.25 * height), round(0.5 * width)
    torch.manual_seed(0)
    tops, lefts = set(), set()
    for _ in range(300):
        rows, cols = zero_box(layer(torch.ones(1, 1, height, width))[0, 0])
        assert rows.numel() == block_h and cols.numel() == block_w
        tops.add(int(rows.min()))
        lefts.add(int(cols.min()))
    assert tops == set(range(height - block_h + 1))
    assert lefts == set(range(width - block_w + 1))


def test_variable_blocks_reach_both_edges():
    torch.manual_seed(0)
    layer = DropBlockPlus(h_range=(0.1, 0.5), w_range=(0.3, 0.7)).train()
    dropped = torch.zeros(20, 10)
    for _ in range(300):
        dropped += layer(torch.ones(1, 1, 20, 10))[0, 0] == 0
    # First and last rows and columns are all dropped at some draw.
    for edge in (dropped[0], dropped[-1], dropped[:, 0], dropped[:, -1]):
        assert bool((edge > 0).any())


def test_range_checks_name_the_argument_and_cap_at_one():
    with pytest.raises(
            ValueError, match=r'DropBlockPlus h_range=\(0.5, 1.5\)'):
        DropBlockPlus(h_range=(0.5, 1.5))
    with pytest.raises(
            ValueError, match=r'DropBlockPlus w_range=\(0.0, 1.0\)'):
        DropBlockPlus(w_range=(0.0, 1.0))
    layer = DropBlockPlus(h_range=(1.0, 1.0), w_range=(0.2, 1.0))
    assert layer.h_range == (1.0, 1.0)


def test_a_ratio_rounding_to_zero_drops_one_row_and_column():
    torch.manual_seed(0)
    layer = DropBlockPlus(h_range=(0.01, 0.01), w_range=(0.01, 0.01))
    for _ in range(5):
        rows, cols = zero_box(layer.block_mask(8, 6, torch.device('cpu')))
        assert len(rows) == 1 and len(cols) == 1


@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
def test_training_output_keeps_dtype_and_device(dtype):
    """The mask follows the input: half precision stays half, and a
    ``meta`` input (a stand-in for a GPU) gets a ``meta`` mask."""
    layer = DropBlockPlus().train()
    x = torch.randn(2, 3, 8, 4).to(dtype)
    out = layer(x)
    assert out.dtype == dtype
    assert bool((out == 0).any()) and bool((out == x).any())
    assert layer(torch.randn(2, 3, 8, 4, device='meta')).device.type == 'meta'
