"""Evaluation of X-Net: an mmengine Metric over common.eval.kitti (CPU)."""

from .metric import XNetKittiMetric

__all__ = ['XNetKittiMetric']
