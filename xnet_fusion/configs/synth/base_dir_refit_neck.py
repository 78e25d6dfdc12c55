# Probe "base_dir_refit_neck": as base_dir_refit, but the point FPN neck (SECONDFPN, between the
# SECOND backbone and the head) trains too, on all three losses with the direction weighted 1.0;
# the sparse encoder, the SECOND backbone and the head's class and box convs stay frozen. Can one
# nonlinear step on base's backbone features add the heading while the boxes keep their
# accuracy? (docs/xnet_fusion.md, "Heading"). Starts from the base checkpoint (reproduce.py
# passes it as load_from).
_base_ = ['./base_dir_refit.py']

model = dict(freeze=('pts_middle_encoder', 'pts_backbone', 'pts_bbox_head.conv_cls',
                     'pts_bbox_head.conv_reg'))
