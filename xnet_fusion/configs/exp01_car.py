# exp01 as a Car-only detector on KITTI (one anchor size, one assigner), as the SECOND car config.
_base_ = ['./exp01.py']
class_names = ['Car']
metainfo = dict(classes=class_names)
point_cloud_range = [0, -40, -3, 70.4, 40, 1]
model = dict(
    pts_bbox_head=dict(
        num_classes=1,
        anchor_generator=dict(_delete_=True, type='Anchor3DRangeGenerator',
                              ranges=[[0, -40.0, -1.78, 70.4, 40.0, -1.78]],
                              sizes=[[3.9, 1.6, 1.56]], rotations=[0, 1.57], reshape_out=True)),
    train_cfg=dict(
        _delete_=True,
        assigner=dict(type='Max3DIoUAssigner', iou_calculator=dict(type='BboxOverlapsNearest3D'),
                      pos_iou_thr=0.6, neg_iou_thr=0.45, min_pos_iou=0.45, ignore_iof_thr=-1),
        allowed_border=0, pos_weight=-1, debug=False))
db_sampler = dict(
    data_root='data/kitti/', info_path='data/kitti/kitti_dbinfos_train.pkl', rate=1.0,
    prepare=dict(filter_by_difficulty=[-1], filter_by_min_points=dict(Car=5)),
    classes=class_names, sample_groups=dict(Car=15),
    points_loader=dict(type='LoadPointsFromFile', coord_type='LIDAR', load_dim=4, use_dim=4))
train_pipeline = [
    dict(type='LoadPointsFromFile', coord_type='LIDAR', load_dim=4, use_dim=4),
    dict(type='LoadImageFromFile'),
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
train_dataloader = dict(dataset=dict(dataset=dict(pipeline=train_pipeline, metainfo=metainfo)))
val_dataloader = dict(dataset=dict(metainfo=metainfo))
test_dataloader = val_dataloader
