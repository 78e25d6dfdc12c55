# Ablation row "base" (point-only SECOND), small CPU version for the embedded synthetic KITTI.
_base_ = ['../_base_/embedded_env.py']
