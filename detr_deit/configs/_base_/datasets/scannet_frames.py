# ScanNet frames-25k (every 100th frame of ScanNet v2) as a COCO-style 2D detection set.
#
# Prepare: `python -m detr_deit.prepare scannet ROOT` writes ROOT/annotations/{train,val}.json
# (20 ScanNet benchmark classes, boxes of the instance masks) through common.scannet.
# The root comes from the environment variable SCANNET_FRAMES_ROOT (mmengine substitutes
# `{{$NAME:default}}` when it reads the file) or defaults to data/scannet-frames/.
dataset_type = 'CocoDataset'
data_root = '{{$SCANNET_FRAMES_ROOT:data/scannet-frames/}}'
# common.scannet.SCANNET20_CLASSES, in its order (tests/detr_deit check they agree).
classes = ('wall', 'floor', 'cabinet', 'bed', 'chair', 'sofa', 'table', 'door', 'window',
           'bookshelf', 'picture', 'counter', 'desk', 'curtain', 'refrigerator',
           'shower curtain', 'toilet', 'sink', 'bathtub', 'otherfurniture')
# Given to EVERY split: a split without it silently falls back to the 80 COCO class names,
# matches no category of the json and trains/evaluates on nothing.
metainfo = dict(classes=classes)
backend_args = None

train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='Resize', scale=(1333, 800), keep_ratio=True),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='Resize', scale=(1333, 800), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor'))
]
train_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='AspectRatioBatchSampler'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/train.json',
        data_prefix=dict(img=''),
        filter_cfg=dict(filter_empty_gt=True, min_size=8),
        pipeline=train_pipeline,
        backend_args=backend_args))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/val.json',
        data_prefix=dict(img=''),
        test_mode=True,
        pipeline=test_pipeline,
        backend_args=backend_args))
test_dataloader = val_dataloader

val_evaluator = dict(
    type='CocoMetric',
    ann_file=data_root + 'annotations/val.json',
    metric='bbox',
    format_only=False,
    backend_args=backend_args)
test_evaluator = val_evaluator
