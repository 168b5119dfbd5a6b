"""Channels-last memory format: kept through SONA and the whole model."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmpretrain.structures import DataSample

from mmsona.models import SONA
from mmsona.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CL = torch.channels_last


@pytest.mark.parametrize('mode', ['train', 'eval'])
@pytest.mark.parametrize('normalize', ['softmax', 'scale'])
def test_sona_keeps_channels_last_and_computes_the_same(mode, normalize):
    torch.manual_seed(0)
    block = SONA(64, normalize=normalize)
    with torch.no_grad():
        block.out_norm.weight.normal_()
        block.out_norm.running_mean.normal_()
        block.out_norm.running_var.uniform_(0.5, 2.0)
    getattr(block, mode)()
    x = torch.randn(2, 64, 12, 6)
    x_cl = x.contiguous(memory_format=CL).requires_grad_()
    x_ref = x.clone().requires_grad_()
    out = block(x_cl)
    ref = block(x_ref)
    assert out.is_contiguous(memory_format=CL) and not out.is_contiguous()
    assert torch.allclose(out, ref, atol=1e-5)
    grad = torch.randn_like(ref)
    out.backward(grad)
    ref.backward(grad)
    assert torch.allclose(x_cl.grad, x_ref.grad, atol=1e-5)


@pytest.mark.slow
def test_no_module_of_the_demo_model_leaves_channels_last():
    cfg = Config.fromfile(osp.join(REPO, 'configs/sona/sona_r18_synthetic.py'))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).to(memory_format=CL)
    names = {module: name for name, module in model.named_modules()}
    flipped = []

    def check(module, inputs, output):
        if (isinstance(output, torch.Tensor) and output.dim() == 4 and inputs
                and isinstance(inputs[0], torch.Tensor)
                and inputs[0].is_contiguous(memory_format=CL)
                and not output.is_contiguous(memory_format=CL)):
            flipped.append(names[module])

    for module in model.modules():
        module.register_forward_hook(check)
    images = torch.randn(8, 3, 128, 64).contiguous(memory_format=CL)
    samples = [DataSample().set_gt_label(i // 4) for i in range(8)]
    model.train()
    losses = model(images, samples, mode='loss')
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    model.eval()
    with torch.no_grad():
        model(images, samples, mode='tensor')
    assert flipped == []
    assert any('sona' in name for name in names.values())
