# Ablation of the heading cue: the synthetic "base" row with SECOND's own direction classifier
# only (Anchor3DHead: a 1x1 conv on the shared BEV features, loss weight 0.2), as the KITTI
# configs have it (docs/xnet_fusion.md, "Heading").
_base_ = ['./base.py']

model = dict(pts_bbox_head=dict(type='Anchor3DHead'))
