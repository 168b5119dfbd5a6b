"""ReIDVisualizer: rank lists and attention maps drawn and recorded."""
import uuid

import numpy as np
import pytest
import torch

from mmsona.visualization import ReIDVisualizer


def visualizer() -> ReIDVisualizer:
    return ReIDVisualizer(name=f'test_{uuid.uuid4().hex[:8]}')


def test_rank_list_borders_have_the_kind_colours():
    vis = visualizer()
    query = np.full((64, 32, 3), 50, np.uint8)
    gallery = [np.full((64, 32, 3), 200, np.uint8) for _ in range(3)]
    kinds = ['correct', 'junk', 'wrong']
    img = vis.draw_rank_list(
        query,
        gallery, [0.1, 0.2, 0.3],
        kinds,
        title='q',
        thumb_size=(64, 32),
        border=4)
    assert img.dtype == np.uint8 and img.shape[2] == 3
    head, pad, gap, cell = 30, 10, 26, 32 + 8
    y = head + 1  # inside the top border row
    assert tuple(img[y, pad + cell // 2]) == ReIDVisualizer.QUERY_COLOR
    x = pad + cell + gap
    for kind in kinds:
        assert tuple(img[y, x + cell // 2]) == ReIDVisualizer.COLORS[kind]
        assert tuple(img[head + 30, x + cell // 2]) == (200, 200, 200)
        x += cell + 6
    with pytest.raises(ValueError, match='must match'):
        vis.draw_rank_list(query, gallery, [0.1], kinds)
    with pytest.raises(ValueError, match='kind'):
        vis.draw_rank_list(query, gallery[:1], [0.1], ['maybe'])


def test_attention_overlay_keeps_the_image_size_and_marks_the_position():
    vis = visualizer()
    image = np.zeros((128, 64, 3), np.uint8)
    attention = torch.zeros(16, 8)
    attention[2, 6] = 1.0
    out = vis.draw_attention(image, attention, position=(20, 100))
    assert out.shape == image.shape
    # The hot cell is red in the JET map, cold cells blue.
    hot, cold = out[2 * 8 + 4, 6 * 8 + 4], out[120, 4]
    assert hot[0] > hot[2] and cold[2] > cold[0]
    # White ring around the marked position.
    assert (out[100, 20] > 200).all()
    big = vis.draw_attention(image, attention, scale=2.0, side_by_side=True)
    assert big.shape == (256, 256, 3)
    heat = ReIDVisualizer.attention_heatmap(np.ones((4, 2)), (8, 4))
    assert heat.shape == (8, 4) and heat.max() == 0
    with pytest.raises(ValueError, match='h x w'):
        vis.draw_attention(image, torch.zeros(3, 4, 4))


def test_visualize_writes_the_file_and_the_backend(tmp_path):
    vis = ReIDVisualizer(
        name=f'backend_{uuid.uuid4().hex[:8]}',
        vis_backends=[dict(type='LocalVisBackend')],
        save_dir=str(tmp_path / 'backend'))
    image = np.zeros((32, 16, 3), np.uint8)
    out = tmp_path / 'pics' / 'a.png'
    vis.visualize_attention(
        image, np.eye(4, 2), (8, 8), name='att', step=3, out_file=str(out))
    assert out.is_file()
    assert (tmp_path / 'backend' / 'vis_data' / 'vis_image' /
            'att_3.png').is_file()
