# Probe "base_dir_refit": the trained base row with everything frozen but the direction
# classifier (a 1x1 conv on the head's input), which alone trains, at loss weight 1.0. It
# measures whether base's BEV features already carry the heading that its 0.2-weighted
# classifier did not learn in the budget; the boxes stay those of base (docs/xnet_fusion.md,
# "Heading"). Starts from the base checkpoint (reproduce.py passes it as load_from).
_base_ = ['./base_second_dir.py']

model = dict(
    freeze=('pts_middle_encoder', 'pts_backbone', 'pts_neck', 'pts_bbox_head.conv_cls',
            'pts_bbox_head.conv_reg'),
    pts_bbox_head=dict(loss_dir=dict(loss_weight=1.0)))
