# Ablation row "base" with the direction classifier's loss weight 1.0 instead of SECOND's 0.2.
# In a 30-minute CPU budget the 0.2-weighted direction loss stays near ln 2 (Car AOS well under
# the 2D AP); at 1.0 it learns the heading, at some cost in 3D box accuracy (docs/xnet_fusion.md,
# "Heading").
_base_ = ['./base_second_dir.py']

model = dict(pts_bbox_head=dict(loss_dir=dict(loss_weight=1.0)))
