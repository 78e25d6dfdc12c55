# Runtime shared by every detr_deit config: hooks, logging, TensorBoard, environment.
#
# `default_scope='mmdet'` makes a bare `type='DETR'` resolve in MMDetection's registries;
# other libraries' modules are named with a scope prefix (`mmpretrain.VisionTransformer`).
# `custom_imports` imports the modules whose registrations run when the config loads: our hooks
# (ClassListCheckHook; TimeBudgetHook, in mmengine's HOOKS, which mmdet's registry searches).
default_scope = 'mmdet'
custom_imports = dict(
    imports=['mmpretrain.models', 'detr_deit.hooks', 'common.harness.mmengine_budget'],
    allow_failed_imports=False)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='DetVisualizationHook'))
# Fails at the start of training/testing with one sentence when the head's num_classes and a
# split's class list disagree (see detr_deit/hooks.py).
custom_hooks = [dict(type='ClassListCheckHook')]

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))

# Scalars (losses, lr, COCO AP) go to work_dir/<timestamp>/vis_data both as JSON and as
# TensorBoard event files: `tensorboard --logdir work_dirs/`.
vis_backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]
visualizer = dict(
    type='DetLocalVisualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(type='LogProcessor', window_size=50, by_epoch=True)

log_level = 'INFO'
load_from = None
resume = False
