# Mirrors configs/_base_/schedules/adam_400e.py in pure Python.
# The BFE / SONA-Net recipe: Adam, wd 5e-4, 400 epochs, batch 4 x 32.
# lr = 1e-4 * (epoch // 5 + 1) for epochs 0-49, 1e-3 until 200,
# 1e-4 until 300, 1e-5 until 400.
# Linear scaling for other total batch sizes: lr = 1e-3 * (N_GPUS * 32) / 128
# (enable with --auto-scale-lr, which uses auto_scale_lr below).
from mmengine.optim import MultiStepLR
from torch.optim import Adam

from mmsona.engine.schedulers import StepWarmupLR

optim_wrapper = dict(optimizer=dict(type=Adam, lr=1e-3, weight_decay=5e-4))

param_scheduler = [
    dict(
        type=StepWarmupLR,
        start_factor=0.1,
        step_size=5,
        begin=0,
        end=50,
        by_epoch=True),
    dict(
        type=MultiStepLR,
        milestones=[200, 300],
        gamma=0.1,
        begin=0,
        end=400,
        by_epoch=True),
]

train_cfg = dict(by_epoch=True, max_epochs=400, val_interval=20)
val_cfg = dict()
test_cfg = dict()

auto_scale_lr = dict(base_batch_size=128)
