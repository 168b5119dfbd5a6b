"""The configs' stacked collate feeds the model exactly what the list did."""
import copy

import pytest
import torch
from mmengine.runner import Runner
from mmengine.runner.utils import set_random_seed

from mmsona.registry import MODELS


@pytest.mark.slow
def test_stacked_collate_gives_the_same_training_stream(
        tmp_path, make_tiny_demo_cfg, tiny_synthetic_root):
    cfg = make_tiny_demo_cfg(str(tmp_path / 'work'), tiny_synthetic_root)
    # The configs stack the images of a batch (in the workers) ...
    assert cfg.train_dataloader.collate_fn == dict(type='default_collate')
    assert cfg.val_dataloader.collate_fn == dict(type='default_collate')
    set_random_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    state = copy.deepcopy(model.state_dict())
    streams = {}
    for collate in ('pseudo_collate', 'default_collate'):
        loader_cfg = copy.deepcopy(cfg.train_dataloader)
        loader_cfg['collate_fn'] = dict(type=collate)
        set_random_seed(0)  # the augmentations draw from the global RNGs
        loader = Runner.build_dataloader(loader_cfg, seed=0)
        batches = []
        for _, data in zip(range(3), loader):
            batches.append(model.data_preprocessor(data, True))
        model.load_state_dict(state)
        torch.manual_seed(1)
        losses = model(**batches[0], mode='loss')
        loss = sum(v for k, v in losses.items() if k.startswith('loss_'))
        loss.backward()
        grads = [
            p.grad.clone() for p in model.parameters() if p.grad is not None
        ]
        model.zero_grad()
        streams[collate] = batches, losses, grads
    (lists, list_losses, list_grads) = streams['pseudo_collate']
    (stacked, stacked_losses, stacked_grads) = streams['default_collate']
    assert isinstance(stacked[0]['inputs'], torch.Tensor)
    for a, b in zip(lists, stacked):
        # ... and the model gets the same images, bit for bit, and labels.
        assert torch.equal(a['inputs'], b['inputs'])
        assert [s.gt_label for s in a['data_samples']
                ] == [s.gt_label for s in b['data_samples']]
        assert [s.img_path for s in a['data_samples']
                ] == [s.img_path for s in b['data_samples']]
    for key, value in list_losses.items():
        assert torch.equal(value, stacked_losses[key]), key
    assert all(torch.equal(a, b) for a, b in zip(list_grads, stacked_grads))
