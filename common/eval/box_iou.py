"""Intersection over union of axis-aligned 2D boxes (x1, y1, x2, y2)."""

from __future__ import annotations

import numpy as np


def box_iou(a, b, inclusive: bool = False) -> np.ndarray:
    """(N, 4) and (M, 4) boxes -> (N, M) IoU.

    By default coordinates are continuous (KITTI, COCO): a box covers x2 - x1 by y2 - y1.
    ``inclusive`` is VOC's 1-based inclusive pixels: a box covers x2 - x1 + 1 pixels across.
    Continuous boxes with an empty union (two empty boxes) have IoU 0; inclusive boxes divide by
    the union as py-faster-rcnn's voc_eval.py does, with no guard.
    """
    a, b = np.asarray(a).reshape(-1, 4), np.asarray(b).reshape(-1, 4)
    one = 1.0 if inclusive else 0.0
    iw = np.maximum(np.minimum(a[:, None, 2], b[None, :, 2])
                    - np.maximum(a[:, None, 0], b[None, :, 0]) + one, 0.0)
    ih = np.maximum(np.minimum(a[:, None, 3], b[None, :, 3])
                    - np.maximum(a[:, None, 1], b[None, :, 1]) + one, 0.0)
    inter = iw * ih
    area_a = (a[:, 2] - a[:, 0] + one) * (a[:, 3] - a[:, 1] + one)
    area_b = (b[:, 2] - b[:, 0] + one) * (b[:, 3] - b[:, 1] + one)
    union = area_a[:, None] + area_b[None] - inter
    return inter / union if inclusive else inter / np.maximum(union, 1e-9)
