"""PackReIDInputs: the image as a BGR uint8 tensor and the re-ID labels."""
import numpy as np
import torch

from mmsona.datasets import PackReIDInputs


def test_pack_reid_inputs_keeps_bgr_uint8():
    img = np.zeros((4, 2, 3), np.uint8)
    img[..., 0] = 10  # blue
    img[..., 2] = 200  # red
    packed = PackReIDInputs()(
        dict(
            img=img,
            gt_label=5,
            pid=5,
            camid=1,
            is_query=True,
            img_path='a.jpg'))
    assert packed['inputs'].dtype == torch.uint8
    assert packed['inputs'][:, 0, 0].tolist() == [10, 0, 200]
    sample = packed['data_samples']
    assert sample.gt_label.tolist() == [5]
    assert sample.metainfo['pid'] == 5 and sample.metainfo['camid'] == 1
    assert sample.metainfo['is_query'] is True
