"""Evaluation shared by every model: KITTI (devkit semantics), Pascal VOC and COCO metrics."""
