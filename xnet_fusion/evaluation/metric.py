"""KITTI metric for mmengine runners that evaluates with ``common.eval.kitti`` on the CPU.

mmdet3d's ``KittiMetric`` formats the predictions (LiDAR boxes -> camera boxes, projected 2D
boxes, alpha) but evaluates BEV/3D with numba CUDA kernels. This subclass keeps its formatting,
reads the ground truth from the label files with ``common.kitti`` and calls
``common.eval.kitti.evaluate`` (AP11 and AP40 for bbox, AOS, BEV and 3D).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from mmdet3d.evaluation.metrics import KittiMetric
from mmdet3d.registry import METRICS
from mmengine import load
from mmengine.logging import MMLogger, print_log

from common.eval import kitti as kitti_eval
from common.kitti import KittiFrameSet, objects_to_arrays


def mmdet3d_anno_to_common(anno: dict) -> dict[str, np.ndarray]:
    """mmdet3d's KITTI-format dict (dimensions l, h, w) -> common.kitti arrays (h, w, l)."""
    dims = np.asarray(anno['dimensions'], dtype=np.float64).reshape(-1, 3)
    n = len(dims)
    return dict(name=np.asarray(anno['name']).reshape(n),
                truncated=np.asarray(anno['truncated'], dtype=np.float64).reshape(n),
                occluded=np.asarray(anno['occluded'], dtype=np.int64).reshape(n),
                alpha=np.asarray(anno['alpha'], dtype=np.float64).reshape(n),
                bbox=np.asarray(anno['bbox'], dtype=np.float64).reshape(n, 4),
                dimensions=dims[:, [1, 2, 0]],
                location=np.asarray(anno['location'], dtype=np.float64).reshape(n, 3),
                rotation_y=np.asarray(anno['rotation_y'], dtype=np.float64).reshape(n),
                score=np.asarray(anno['score'], dtype=np.float64).reshape(n))


@METRICS.register_module()
class XNetKittiMetric(KittiMetric):
    """``KittiMetric`` whose evaluation runs through common.eval.kitti.

    Args:
        ann_file: mmdet3d info file of the evaluated split (for calibration and image sizes).
        data_root: KITTI root holding ``training/label_2`` (ground truth read by common.kitti).
        Other arguments as ``KittiMetric``.
    """

    def __init__(self, ann_file: str, data_root: str, **kwargs):
        super().__init__(ann_file=ann_file, **kwargs)
        self.data_root = data_root
        self.last_result: dict | None = None

    def compute_metrics(self, results: list[dict]) -> dict[str, float]:
        logger = MMLogger.get_current_instance()
        self.classes = self.dataset_meta['classes']
        pkl_infos = load(self.ann_file, backend_args=self.backend_args)
        # calibration and image sizes for formatting; the ground truth comes from the label
        # files (mmdet3d's own conversion fails on splits whose last frame has no DontCare)
        self.data_infos = pkl_infos['data_list']
        result_dict, tmp_dir = self.format_results(
            results, pklfile_prefix=self.pklfile_prefix,
            submission_prefix=self.submission_prefix, classes=self.classes)
        if tmp_dir is not None:
            tmp_dir.cleanup()
        if self.format_only:
            return {}
        ids = [f"{int(pkl_infos['data_list'][r['sample_idx']]['sample_idx']):06d}"
               for r in results]
        frames = KittiFrameSet(Path(self.data_root), split=ids)
        gts = [objects_to_arrays(frames.label(i)) for i in ids]
        dts = [mmdet3d_anno_to_common(a) for a in result_dict['pred_instances_3d']]
        result = kitti_eval.evaluate(gts, dts, classes=self.classes)
        self.last_result = result
        self.last_counts = kitti_eval.valid_gt_counts(gts, self.classes)
        print_log('KITTI evaluation (common.eval.kitti):\n' + kitti_eval.format_table(result),
                  logger=logger)
        return kitti_eval.flatten_result(result)
