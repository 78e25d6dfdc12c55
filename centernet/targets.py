"""Training targets of ctdet: Gaussian centre heatmaps, sizes, sub-pixel offsets, indices, mask.

Formulas follow the official code (src/lib/utils/image.py and src/lib/datasets/sample/ctdet.py).
"""

from __future__ import annotations

import math

import numpy as np

MAX_OBJS = 128  # official ctdet: self.max_objs = 128


def gaussian_radius(det_size: tuple[float, float], min_overlap: float = 0.7,
                    corrected: bool = False) -> float:
    """Radius r such that a box whose corners move by r keeps IoU >= min_overlap with (h, w).

    Three cases of CornerNet (both corners shifted out, both in, one in one out) each give a
    quadratic in r. The official code (CenterNet utils/image.py, copied from CornerNet) returns
    ``(b + sqrt(b^2 - 4ac)) / 2`` for all three: it drops the ``2a`` of the quadratic formula
    and takes the larger root for cases 1 and 2. That quirk is the default because the published
    models were trained with it (in practice case 3 wins, giving a radius about 2.8x the exact
    one). ``corrected=True`` divides by ``2a`` and takes the smaller root ``(b - sqrt(.))`` for
    cases 1-2, as in CornerNet's later fix (and MMDetection's ``gaussian_radius``).
    """
    height, width = det_size
    a1 = 1
    b1 = height + width
    c1 = width * height * (1 - min_overlap) / (1 + min_overlap)
    sq1 = math.sqrt(b1 ** 2 - 4 * a1 * c1)

    a2 = 4
    b2 = 2 * (height + width)
    c2 = (1 - min_overlap) * width * height
    sq2 = math.sqrt(b2 ** 2 - 4 * a2 * c2)

    a3 = 4 * min_overlap
    b3 = -2 * min_overlap * (height + width)
    c3 = (min_overlap - 1) * width * height
    sq3 = math.sqrt(b3 ** 2 - 4 * a3 * c3)
    if corrected:
        return min((b1 - sq1) / (2 * a1), (b2 - sq2) / (2 * a2), (b3 + sq3) / (2 * a3))
    return min((b1 + sq1) / 2, (b2 + sq2) / 2, (b3 + sq3) / 2)


def gaussian2d(shape: tuple[int, int], sigma: float = 1.0) -> np.ndarray:
    """(h, w) unnormalised Gaussian exp(-(x^2+y^2)/(2 sigma^2)) centred in the window, peak 1."""
    m, n = [(ss - 1.0) / 2.0 for ss in shape]
    y, x = np.ogrid[-m:m + 1, -n:n + 1]
    h = np.exp(-(x * x + y * y) / (2 * sigma * sigma))
    h[h < np.finfo(h.dtype).eps * h.max()] = 0
    return h


def draw_umich_gaussian(heatmap: np.ndarray, center: tuple[int, int], radius: int,
                        k: float = 1.0) -> np.ndarray:
    """Splat a Gaussian (diameter 2r+1, sigma = diameter/6) at integer ``center`` (x, y) into
    ``heatmap`` (H, W) in place, keeping the element-wise max where objects overlap."""
    diameter = 2 * radius + 1
    gaussian = gaussian2d((diameter, diameter), sigma=diameter / 6)
    x, y = int(center[0]), int(center[1])
    height, width = heatmap.shape[0:2]
    left, right = min(x, radius), min(width - x, radius + 1)
    top, bottom = min(y, radius), min(height - y, radius + 1)
    masked_heatmap = heatmap[y - top:y + bottom, x - left:x + right]
    masked_gaussian = gaussian[radius - top:radius + bottom, radius - left:radius + right]
    if min(masked_gaussian.shape) > 0 and min(masked_heatmap.shape) > 0:
        np.maximum(masked_heatmap, masked_gaussian * k, out=masked_heatmap)
    return heatmap


def _splat(box: np.ndarray, output_size: tuple[int, int], corrected_radius: bool):
    """Clipped box -> (w, h, float centre, integer centre, radius), or None when empty."""
    out_h, out_w = output_size
    bbox = np.array(box, dtype=np.float32)
    bbox[[0, 2]] = np.clip(bbox[[0, 2]], 0, out_w - 1)
    bbox[[1, 3]] = np.clip(bbox[[1, 3]], 0, out_h - 1)
    h, w = bbox[3] - bbox[1], bbox[2] - bbox[0]
    if not (h > 0 and w > 0):
        return None
    radius = gaussian_radius((math.ceil(h), math.ceil(w)), corrected=corrected_radius)
    ct = np.array([(bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2], dtype=np.float32)
    return w, h, ct, ct.astype(np.int32), max(0, int(radius))


IGNORE_PEAK = 0.9999  # official ddd.py: an ignore region's centre, not a positive (gt == 1)


def build_targets(boxes: np.ndarray, labels: np.ndarray, num_classes: int,
                  output_size: tuple[int, int], max_objs: int = MAX_OBJS,
                  corrected_radius: bool = False, ignore_boxes: np.ndarray | None = None,
                  ignore_labels: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Targets on the output grid from boxes already mapped to it.

    boxes: (N, 4) x1, y1, x2, y2 in output-map pixels (unclipped); labels: (N,) class index.
    ignore_boxes (M, 4) / ignore_labels (M,): regions that are neither objects nor background
    for one class (KITTI DontCare, Van for Car); as in the official KITTI loader
    (src/lib/datasets/sample/ddd.py, ``cls_id < 0``, default without --rect_mask) each gets the
    Gaussian of its box with the peak set to 0.9999, so the focal loss's negative weight
    (1 - gt)^4 nearly vanishes around it, and no size/offset target. They are drawn before the
    objects so that an object's peak stays 1.
    Returns hm (C, H, W) float32, wh (max_objs, 2) box w, h, reg (max_objs, 2) centre minus its
    integer cell, ind (max_objs,) int64 flat index y*W+x, reg_mask (max_objs,) uint8.
    """
    out_h, out_w = output_size
    hm = np.zeros((num_classes, out_h, out_w), dtype=np.float32)
    wh = np.zeros((max_objs, 2), dtype=np.float32)
    reg = np.zeros((max_objs, 2), dtype=np.float32)
    ind = np.zeros((max_objs,), dtype=np.int64)
    reg_mask = np.zeros((max_objs,), dtype=np.uint8)
    if ignore_boxes is not None:
        for box, cls in zip(ignore_boxes, ignore_labels, strict=True):
            if (splat := _splat(box, output_size, corrected_radius)) is not None:
                _, _, _, ct_int, radius = splat
                draw_umich_gaussian(hm[int(cls)], ct_int, radius)
                hm[int(cls), ct_int[1], ct_int[0]] = IGNORE_PEAK
    for k, (box, cls) in enumerate(zip(boxes[:max_objs], labels[:max_objs], strict=True)):
        if (splat := _splat(box, output_size, corrected_radius)) is not None:
            w, h, ct, ct_int, radius = splat
            draw_umich_gaussian(hm[int(cls)], ct_int, radius)
            wh[k] = 1.0 * w, 1.0 * h
            ind[k] = ct_int[1] * out_w + ct_int[0]
            reg[k] = ct - ct_int
            reg_mask[k] = 1
    return {"hm": hm, "wh": wh, "reg": reg, "ind": ind, "reg_mask": reg_mask}
