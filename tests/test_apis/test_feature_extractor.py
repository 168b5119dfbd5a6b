"""FeatureExtractor: same features as tools/test.py --out, any input form."""
import glob
import os.path as osp

import cv2
import pytest
import torch
from tool_helpers import load_tool, make_tiny_checkpoint  # noqa: I100

from mmsona.apis import FeatureExtractor
from mmsona.visualization import (cell_center, get_sona_attention,
                                  position_to_cell)


@pytest.fixture(scope='module')
def tiny_model(tmp_path_factory, tiny_synthetic_root):
    """A tiny-config checkpoint whose SONA blocks are active."""
    root = tmp_path_factory.mktemp('extractor')
    config, ckpt, data_root = make_tiny_checkpoint(
        str(root), tiny_synthetic_root)
    return root, config, ckpt, data_root


@pytest.mark.slow
def test_features_equal_the_test_dump(tiny_model, tmp_path):
    root, config, ckpt, _ = tiny_model
    dump = str(tmp_path / 'feats.pth')
    test_tool = load_tool('test.py')
    test_tool.main([config, ckpt, '--work-dir', str(tmp_path), '--out', dump])
    ref = torch.load(dump, weights_only=False)
    extractor = FeatureExtractor(config, ckpt, batch_size=7)
    query = extractor(ref['query_paths'], progress=False)
    gallery = extractor(ref['gallery_paths'])
    assert query.shape == ref['query_feats'].shape
    assert torch.allclose(query, ref['query_feats'], atol=1e-5)
    assert torch.allclose(gallery, ref['gallery_feats'], atol=1e-5)


def test_paths_arrays_and_tensors_agree(tiny_model):
    _, config, ckpt, data_root = tiny_model
    paths = sorted(glob.glob(osp.join(data_root, 'query', '*.jpg')))[:5]
    extractor = FeatureExtractor(config, ckpt, batch_size=2)
    from_paths = extractor(paths, progress=False)
    arrays = [cv2.imread(p) for p in paths]
    from_arrays = extractor(arrays, progress=False)
    stacked = torch.stack(
        [torch.from_numpy(a).permute(2, 0, 1) for a in arrays])
    from_tensor = extractor(stacked, batch_size=5, progress=False)
    single = extractor(paths[0], progress=False)
    assert from_paths.shape == (5, 48)
    assert torch.allclose(from_paths, from_arrays, atol=1e-6)
    assert torch.allclose(from_paths, from_tensor, atol=1e-5)
    assert torch.allclose(single[0], from_paths[0], atol=1e-5)


def test_attention_row_sums_to_one_and_is_drawn_at_input_size(
        tiny_model, tmp_path):
    from mmsona.visualization import ReIDVisualizer
    _, config, ckpt, data_root = tiny_model
    path = sorted(glob.glob(osp.join(data_root, 'query', '*.jpg')))[0]
    image = cv2.imread(path)
    extractor = FeatureExtractor(config, ckpt)
    data = extractor.preprocess(image)
    for stage in (1, 2):
        attn, feat_hw, got = get_sona_attention(extractor.model,
                                                data['inputs'], stage)
        assert got == stage and attn.shape[1:] == (feat_hw[0] *
                                                   feat_hw[1], ) * 2
        h, w = image.shape[:2]
        cell = position_to_cell((w * 0.5, h * 0.3), (h, w), feat_hw)
        row = attn[0, cell[0] * feat_hw[1] + cell[1]].reshape(feat_hw)
        assert float(row.sum()) == pytest.approx(1.0, abs=1e-5)
        assert (row >= 0).all()
        out = str(tmp_path / f'attention_{stage}.png')
        ReIDVisualizer(name=f'att_{stage}_{id(tmp_path)}').visualize_attention(
            image[..., ::-1],
            row,
            cell_center(cell, (h, w), feat_hw),
            out_file=out,
            add_to_backends=False)
        assert cv2.imread(out).shape == image.shape
    with pytest.raises(ValueError, match='stages'):
        get_sona_attention(extractor.model, data['inputs'], stage=3)


def test_clear_errors(tiny_model, tmp_path):
    _, config, ckpt, _ = tiny_model
    with pytest.raises(FileNotFoundError, match='nope.py'):
        FeatureExtractor(str(tmp_path / 'nope.py'))
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        FeatureExtractor(config, str(tmp_path / 'missing.pth'))
    extractor = FeatureExtractor(config, ckpt)
    with pytest.raises(FileNotFoundError, match='ghost.jpg'):
        extractor([str(tmp_path / 'ghost.jpg')], progress=False)
    with pytest.raises(ValueError, match='H x W x 3'):
        extractor(torch.zeros(4, 4, 5).numpy(), progress=False)
    with pytest.raises(TypeError, match='image paths'):
        extractor(3.5, progress=False)
