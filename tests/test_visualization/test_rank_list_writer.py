"""write_rank_lists draws the rank list of each chosen query to a file."""
import os.path as osp
import uuid

import cv2
import numpy as np
import torch


def test_write_rank_lists_marks_same_camera_matches(tmp_path):
    from mmsona.visualization import ReIDVisualizer, write_rank_lists
    rng = np.random.default_rng(0)
    paths = []
    for i in range(5):
        path = str(tmp_path / f'{i}.jpg')
        cv2.imwrite(path, rng.integers(0, 255, (32, 16, 3), dtype=np.uint8))
        paths.append(path)
    q = torch.zeros(1, 2)
    g = torch.tensor([[0.1, 0], [0.2, 0], [0.3, 0], [0.4, 0.0]])
    out = write_rank_lists(
        ReIDVisualizer(name=f'w_{uuid.uuid4().hex[:6]}'),
        q,
        g, [7], [7, 7, 3, 0], [0], [0, 1, 1, 2],
        paths[:1],
        paths[1:],
        str(tmp_path / 'out'), [0],
        topk=2,
        add_to_backends=False)
    assert len(out) == 1 and osp.isfile(out[0])
