# DETR + DeiT-tiny-shaped backbone sized to learn the synthetic ScanNet frames on a
# 2-core CPU within 20 minutes (detr_deit.reproduce). DETR converges slowly (500 epochs on
# COCO) and no pretrained weights can be downloaded here, so everything that slows early
# convergence is cut, and each cut is a choice for the budget, not DETR's recipe:
# - images resized to at most 192x144 (12x9 = 108 tokens of 16x16 patches): the synthetic
#   objects are large (median sqrt(box area) ~80 px at this size), and the step is compute-bound
#   (linear layers), so fewer tokens = more steps in the budget (256x192 took twice as long
#   per step and learned no more per step);
# - DeiT-tiny widths (192 dims, 3 heads, 768 FFN) but 4 layers instead of 12, random init:
#   without ImageNet weights a deep ViT learns nothing useful in minutes;
# - DETR transformer 1 encoder + 3 decoder layers, 512-wide FFN, no dropout, 20 queries (a
#   synthetic frame holds 2-11 objects; fewer queries = fewer competing matches);
# - no backbone lr multiplier (it only protects pretrained weights), lr 2e-4 (4e-4 learned
#   less), batch 4 (the CPU step costs the same per image at batch 4 or 8, so batch 4 gives
#   twice the updates, and learned more in short probes); flips only (DETR's multi-scale and
#   crop augmentation cost time, and 1,600 training frames for ~20 epochs do not need them);
#   the lr drops x0.1 for the last quarter of the schedule as in DETR, the schedule fitted to
#   the budget by TimeBudgetHook (detr_deit.reproduce);
# - the data, not the model: the 20-minute run uses 2,000 synthetic frames (1,600 training),
#   as `nox -s demo` generates them; 240 training frames overfit (held-out AP50 fell as the
#   epochs rose). Results: docs/detr_deit.md; the probes: docs/history.md.
# Costs, loss weights, Hungarian matching, optimizer type and gradient clipping are DETR's.
_base_ = [
    '_base_/models/detr_deit-tiny.py',
    '_base_/datasets/synth_scannet.py',
    '_base_/schedules/detr_150e.py',
    '_base_/default_runtime.py',
]
ffn = 512
img_scale = (192, 144)  # (width, height)
model = dict(
    num_queries=20,
    test_cfg=dict(max_per_img=20),  # DETR keeps one box per query at most
    backbone=dict(
        # a dict replaces the string 'deit-tiny' only with _delete_=True (a str cannot merge)
        arch=dict(
            _delete_=True,
            embed_dims=192,
            num_layers=4,
            num_heads=3,
            feedforward_channels=192 * 4),
        img_size=img_scale[::-1],
        drop_path_rate=0.0,
        init_cfg=None),
    encoder=dict(
        num_layers=1,
        layer_cfg=dict(
            self_attn_cfg=dict(dropout=0.0),
            ffn_cfg=dict(feedforward_channels=ffn, ffn_drop=0.0))),
    decoder=dict(
        num_layers=3,
        layer_cfg=dict(
            self_attn_cfg=dict(dropout=0.0),
            cross_attn_cfg=dict(dropout=0.0),
            ffn_cfg=dict(feedforward_channels=ffn, ffn_drop=0.0))))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor'))
]
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    batch_sampler=None,
    dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

max_epochs = 80
optim_wrapper = dict(
    optimizer=dict(lr=2e-4),
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=1.0, decay_mult=1.0)}))
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True,
         milestones=[max_epochs * 3 // 4], gamma=0.1)
]
auto_scale_lr = dict(base_batch_size=4)
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=10, max_keep_ckpts=2))
