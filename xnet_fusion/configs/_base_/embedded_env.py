# Small CPU environment for the embedded synthetic KITTI (python -m common.synth kitti): objects
# 5-45 m ahead, so a 51.2 m x 51.2 m range at 0.1 m voxels (BEV 64 x 64), a slimmer SECOND, a
# smaller image and a short schedule. The fusion blocks are those of the KITTI configs (same
# 512-channel interfaces).
_base_ = ['./kitti_env.py']

data_root = 'data/synth_kitti/'
point_cloud_range = [0, -25.6, -3, 51.2, 25.6, 1]
voxel_size = [0.1, 0.1, 0.1]

model = dict(
    data_preprocessor=dict(
        voxel_layer=dict(point_cloud_range=point_cloud_range, voxel_size=voxel_size,
                         max_voxels=(16000, 16000))),
    pts_middle_encoder=dict(sparse_shape=[41, 512, 512]),
    pts_backbone=dict(layer_nums=[3, 5], out_channels=[64, 128]),
    pts_neck=dict(in_channels=[64, 128]),
    pts_bbox_head=dict(anchor_generator=dict(ranges=[
        [0, -25.6, -0.6, 51.2, 25.6, -0.6], [0, -25.6, -0.6, 51.2, 25.6, -0.6],
        [0, -25.6, -1.78, 51.2, 25.6, -1.78]])))

# no ImageNet weights here: the whole ResNet-18 trains (nothing frozen at random values)
img_backbone = dict(frozen_stages=-1, norm_cfg=dict(type='BN', requires_grad=True),
                    norm_eval=False)

db_sampler = dict(
    data_root=data_root, info_path=data_root + 'kitti_dbinfos_train.pkl', rate=1.0,
    prepare=dict(filter_by_difficulty=[-1],
                 filter_by_min_points=dict(Car=5, Pedestrian=10, Cyclist=10)),
    classes=['Pedestrian', 'Cyclist', 'Car'], sample_groups=dict(Car=6, Pedestrian=3, Cyclist=3),
    points_loader=dict(type='LoadPointsFromFile', coord_type='LIDAR', load_dim=4, use_dim=4))
train_pipeline = [
    dict(type='LoadPointsFromFile', coord_type='LIDAR', load_dim=4, use_dim=4),
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations3D', with_bbox_3d=True, with_label_3d=True),
    dict(type='ObjectSample', db_sampler=db_sampler),
    dict(type='RandomResize', scale=[(544, 160), (704, 224)], keep_ratio=True),
    dict(type='RandomFlip3D', flip_ratio_bev_horizontal=0.5),
    dict(type='GlobalRotScaleTrans', rot_range=[-0.78539816, 0.78539816],
         scale_ratio_range=[0.95, 1.05], translation_std=[0.2, 0.2, 0.2]),
    dict(type='PointsRangeFilter', point_cloud_range=point_cloud_range),
    dict(type='ObjectRangeFilter', point_cloud_range=point_cloud_range),
    dict(type='PointShuffle'),
    dict(type='Pack3DDetInputs', keys=['points', 'img', 'gt_bboxes_3d', 'gt_labels_3d']),
]
test_pipeline = [
    dict(type='LoadPointsFromFile', coord_type='LIDAR', load_dim=4, use_dim=4),
    dict(type='LoadImageFromFile'),
    dict(type='MultiScaleFlipAug3D', img_scale=(640, 192), pts_scale_ratio=1, flip=False,
         transforms=[
             dict(type='Resize', scale=0, keep_ratio=True),
             dict(type='GlobalRotScaleTrans', rot_range=[0, 0], scale_ratio_range=[1.0, 1.0],
                  translation_std=[0, 0, 0]),
             dict(type='RandomFlip3D'),
             dict(type='PointsRangeFilter', point_cloud_range=point_cloud_range),
         ]),
    dict(type='Pack3DDetInputs', keys=['points', 'img']),
]
train_dataloader = dict(
    batch_size=2, num_workers=1,
    dataset=dict(times=1, dataset=dict(data_root=data_root, pipeline=train_pipeline)))
val_dataloader = dict(num_workers=1, dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'kitti_infos_val.pkl', data_root=data_root)
test_evaluator = val_evaluator

# one-cycle over 20 epochs (the cyclic-40e shape, compressed)
lr = 0.003
optim_wrapper = dict(optimizer=dict(lr=lr))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=8, eta_min=lr * 10, begin=0, end=8, by_epoch=True,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=12, eta_min=lr * 1e-4, begin=8, end=20, by_epoch=True,
         convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=20, val_interval=20)
default_hooks = dict(logger=dict(type='LoggerHook', interval=10))
