"""Gallery features and image files shared by the search tests."""
import os
import os.path as osp

import cv2
import numpy as np


def clustered_features(num_gallery, num_query, dim, num_ids, seed):
    """Re-ID-like gallery and query features: identity centres + noise."""
    rng = np.random.default_rng(seed)
    num = num_gallery + num_query
    centres = rng.standard_normal((num_ids, dim)).astype(np.float32)
    ids = rng.integers(0, num_ids, num)
    feats = centres[ids] + 0.6 * rng.standard_normal(
        (num, dim)).astype(np.float32)
    return feats[:num_gallery], feats[num_gallery:]


def write_image(path, value, size=(64, 32)):
    """A small BGR image whose pixels depend on ``value``."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    rng = np.random.default_rng(value)
    img = rng.integers(0, 256, (size[0], size[1], 3), dtype=np.uint8)
    assert cv2.imwrite(path, img)
    return img
