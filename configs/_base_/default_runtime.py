# Runtime shared by every mmsona config.
default_scope = 'mmsona'

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # Keep the last checkpoints and the best one by mAP (written atomically;
    # save_best='reid/R1_mAP' selects by ReIDMetric's (R1 + mAP) / 2).
    checkpoint=dict(
        type='AtomicCheckpointHook',
        interval=10,
        max_keep_ckpts=3,
        save_best='reid/mAP',
        rule='greater'),
    # Re-seeds the identity sampler every epoch (also under DDP).
    sampler_seed=dict(type='DistSamplerSeedHook'),
)

env_cfg = dict(
    cudnn_benchmark=True,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)

custom_hooks = [
    # Stop on a NaN/inf loss, naming the iteration and the loss term.
    dict(type='NonFiniteLossHook'),
    # Fail before training when batch_size % num_instances != 0 or the
    # training set has fewer identities than a batch needs.
    dict(type='IdentityBatchCheckHook'),
    # Fail before training when model.head.num_classes is too small.
    dict(type='NumClassesCheckHook'),
    # Averages BN statistics over the ranks after every epoch (DDP).
    dict(type='SyncBuffersHook'),
    # Generator states in the checkpoints, so --resume loses nothing.
    dict(type='RNGStateHook'),
    # Rank-list (and SONA attention) pictures; tools/test.py --show-dir DIR
    # enables it.
    dict(type='ReIDVisualizationHook', enable=False, draw_attention=True),
]

# TensorBoard: add dict(type='TensorboardVisBackend') to the list.
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='ReIDVisualizer', vis_backends=vis_backends)

log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0, deterministic=False)
