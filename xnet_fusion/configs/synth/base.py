# Ablation row "base" (point-only SECOND), small CPU version for the synthetic KITTI.
_base_ = ['../_base_/synth_env.py']
