# Ablation row "base": point-only SECOND (XNet without image branch and fusion block).
_base_ = ['./_base_/kitti_env.py']
