"""The staircase warm-up reproduces the paper's learning-rate schedule."""
import pytest
import torch
from mmengine.optim.scheduler import MultiStepLR

from mmsona.engine import StepWarmupLR


def paper_lr(epoch: int) -> float:
    """The recipe of PAPER.md, written out."""
    if epoch < 50:
        return 1e-4 * (epoch // 5 + 1)
    if epoch < 200:
        return 1e-3
    if epoch < 300:
        return 1e-4
    return 1e-5


def test_paper_schedule_over_400_epochs():
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.Adam([param], lr=1e-3)
    schedulers = [
        StepWarmupLR(optimizer, start_factor=0.1, step_size=5, end=50),
        MultiStepLR(optimizer, milestones=[200, 300], gamma=0.1, end=400),
    ]
    for epoch in range(400):
        lr = optimizer.param_groups[0]['lr']
        assert lr == pytest.approx(paper_lr(epoch), rel=1e-9), epoch
        optimizer.step()
        for scheduler in schedulers:
            scheduler.step()


def test_rejects_bad_arguments():
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    with pytest.raises(ValueError, match='start_factor'):
        StepWarmupLR(optimizer, start_factor=0.0)
    with pytest.raises(ValueError, match='step_size'):
        StepWarmupLR(optimizer, step_size=10, end=5)
