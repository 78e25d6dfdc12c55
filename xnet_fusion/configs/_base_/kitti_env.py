# KITTI 3-class environment of every X-Net config: SECOND point branch (the `base` row of the
# ablation), the image branch used by the fusion rows, multimodal KITTI data, cyclic 40-epoch
# schedule (mmdet3d's SECOND/MVX-Net KITTI settings, as X-Net's configs).
_base_ = ['mmdet3d::_base_/schedules/cyclic-40e.py', 'mmdet3d::_base_/default_runtime.py']
# the package's registrations, and TimeBudgetHook (in mmengine's HOOKS, found from mmdet3d's)
custom_imports = dict(imports=['xnet_fusion', 'common.harness.mmengine_budget'],
                      allow_failed_imports=False)

data_root = 'data/kitti/'
class_names = ['Pedestrian', 'Cyclist', 'Car']
metainfo = dict(classes=class_names)
point_cloud_range = [0, -40, -3, 70.4, 40, 1]
voxel_size = [0.05, 0.05, 0.1]
input_modality = dict(use_lidar=True, use_camera=True)
backend_args = None

model = dict(
    type='XNet',
    data_preprocessor=dict(
        type='Det3DDataPreprocessor', voxel=True, voxel_type='hard',
        voxel_layer=dict(max_num_points=5, point_cloud_range=point_cloud_range,
                         voxel_size=voxel_size, max_voxels=(16000, 40000)),
        # caffe-style ResNet: BGR, mean only (X-Net img_norm_cfg)
        mean=[103.530, 116.280, 123.675], std=[1.0, 1.0, 1.0], bgr_to_rgb=False,
        pad_size_divisor=32),
    pts_voxel_encoder=dict(type='HardSimpleVFE'),
    pts_middle_encoder=dict(type='SparseEncoder', in_channels=4, sparse_shape=[41, 1600, 1408],
                            order=('conv', 'norm', 'act')),
    pts_backbone=dict(type='SECOND', in_channels=256, layer_nums=[5, 5], layer_strides=[1, 2],
                      out_channels=[128, 256]),
    pts_neck=dict(type='SECONDFPN', in_channels=[128, 256], upsample_strides=[1, 2],
                  out_channels=[256, 256]),
    pts_bbox_head=dict(
        type='Anchor3DHead', num_classes=3, in_channels=512, feat_channels=512,
        use_direction_classifier=True,
        anchor_generator=dict(
            type='Anchor3DRangeGenerator',
            ranges=[[0, -40.0, -0.6, 70.4, 40.0, -0.6], [0, -40.0, -0.6, 70.4, 40.0, -0.6],
                    [0, -40.0, -1.78, 70.4, 40.0, -1.78]],
            sizes=[[0.8, 0.6, 1.73], [1.76, 0.6, 1.73], [3.9, 1.6, 1.56]],
            rotations=[0, 1.57], reshape_out=False),
        diff_rad_by_sin=True,
        bbox_coder=dict(type='DeltaXYZWLHRBBoxCoder'),
        loss_cls=dict(type='mmdet.FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25,
                      loss_weight=1.0),
        loss_bbox=dict(type='mmdet.SmoothL1Loss', beta=1.0 / 9.0, loss_weight=2.0),
        loss_dir=dict(type='mmdet.CrossEntropyLoss', use_sigmoid=False, loss_weight=0.2)),
    train_cfg=dict(
        assigner=[
            dict(type='Max3DIoUAssigner', iou_calculator=dict(type='BboxOverlapsNearest3D'),
                 pos_iou_thr=0.35, neg_iou_thr=0.2, min_pos_iou=0.2, ignore_iof_thr=-1),
            dict(type='Max3DIoUAssigner', iou_calculator=dict(type='BboxOverlapsNearest3D'),
                 pos_iou_thr=0.35, neg_iou_thr=0.2, min_pos_iou=0.2, ignore_iof_thr=-1),
            dict(type='Max3DIoUAssigner', iou_calculator=dict(type='BboxOverlapsNearest3D'),
                 pos_iou_thr=0.6, neg_iou_thr=0.45, min_pos_iou=0.45, ignore_iof_thr=-1),
        ],
        allowed_border=0, pos_weight=-1, debug=False),
    test_cfg=dict(use_rotate_nms=True, nms_across_levels=False, nms_thr=0.01, score_thr=0.1,
                  min_bbox_size=0, nms_pre=100, max_num=50))

# Image branch of the fusion rows (X-Net: ResNet-18 caffe, stages 2 and 4, FPN to 512).
# No ImageNet weights are downloaded: set img_backbone.init_cfg to a local checkpoint to use one.
img_backbone = dict(type='mmdet.ResNet', depth=18, num_stages=4, out_indices=(1, 3),
                    frozen_stages=1, norm_cfg=dict(type='BN', requires_grad=False),
                    norm_eval=True, style='caffe')
img_neck = dict(type='mmdet.FPN', in_channels=[128, 512], out_channels=512, num_outs=2)
img_channels = 512
pts_channels = 512

db_sampler = dict(
    data_root=data_root, info_path=data_root + 'kitti_dbinfos_train.pkl', rate=1.0,
    prepare=dict(filter_by_difficulty=[-1],
                 filter_by_min_points=dict(Car=5, Pedestrian=10, Cyclist=10)),
    classes=class_names, sample_groups=dict(Car=12, Pedestrian=6, Cyclist=6),
    points_loader=dict(type='LoadPointsFromFile', coord_type='LIDAR', load_dim=4, use_dim=4,
                       backend_args=backend_args),
    backend_args=backend_args)
train_pipeline = [
    dict(type='LoadPointsFromFile', coord_type='LIDAR', load_dim=4, use_dim=4,
         backend_args=backend_args),
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadAnnotations3D', with_bbox_3d=True, with_label_3d=True),
    dict(type='ObjectSample', db_sampler=db_sampler),
    dict(type='RandomResize', scale=[(640, 192), (2560, 768)], keep_ratio=True),
    dict(type='RandomFlip3D', flip_ratio_bev_horizontal=0.5),
    dict(type='GlobalRotScaleTrans', rot_range=[-0.78539816, 0.78539816],
         scale_ratio_range=[0.95, 1.05], translation_std=[0.2, 0.2, 0.2]),
    dict(type='PointsRangeFilter', point_cloud_range=point_cloud_range),
    dict(type='ObjectRangeFilter', point_cloud_range=point_cloud_range),
    dict(type='PointShuffle'),
    dict(type='Pack3DDetInputs', keys=['points', 'img', 'gt_bboxes_3d', 'gt_labels_3d']),
]
test_pipeline = [
    dict(type='LoadPointsFromFile', coord_type='LIDAR', load_dim=4, use_dim=4,
         backend_args=backend_args),
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='MultiScaleFlipAug3D', img_scale=(1333, 800), pts_scale_ratio=1, flip=False,
         transforms=[
             dict(type='Resize', scale=0, keep_ratio=True),
             dict(type='GlobalRotScaleTrans', rot_range=[0, 0], scale_ratio_range=[1.0, 1.0],
                  translation_std=[0, 0, 0]),
             dict(type='RandomFlip3D'),
             dict(type='PointsRangeFilter', point_cloud_range=point_cloud_range),
         ]),
    dict(type='Pack3DDetInputs', keys=['points', 'img']),
]
_dataset = dict(type='KittiDataset', data_root=data_root, modality=input_modality,
                data_prefix=dict(pts='training/velodyne_reduced', img='training/image_2'),
                metainfo=metainfo, box_type_3d='LiDAR', backend_args=backend_args)
train_dataloader = dict(
    batch_size=6, num_workers=4, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='RepeatDataset', times=2,
                 dataset=dict(**_dataset, ann_file='kitti_infos_train.pkl',
                              pipeline=train_pipeline, test_mode=False)))
val_dataloader = dict(
    batch_size=1, num_workers=1, persistent_workers=True, drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(**_dataset, ann_file='kitti_infos_val.pkl', pipeline=test_pipeline,
                 test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(type='XNetKittiMetric', ann_file=data_root + 'kitti_infos_val.pkl',
                     data_root=data_root)
test_evaluator = val_evaluator

train_cfg = dict(by_epoch=True, max_epochs=40, val_interval=2)
default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=3))
