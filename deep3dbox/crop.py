"""The crop of a 2D box that the network sees: stretched to a square (the paper) or letterboxed.

Kept free of Keras, so that command lines can offer CROP_MODES without importing TensorFlow.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

CROP_MODES = ("stretch", "letterbox")
# ImageNet mean colour (RGB): letterbox padding is zero after VGG preprocessing
PAD_RGB = (124, 117, 104)


def box_region(bbox, width: int, height: int) -> tuple[float, float, float, float]:
    """The image region of a box, in pixel-edge coordinates (pixel i spans [i, i + 1]).

    Box coordinates put pixel centres at integers, as a projection does (KITTI's 2D boxes are
    projected 3D boxes): the box x1..x2 spans the edges x1 + 0.5 .. x2 + 0.5. The region is
    clipped to the image and kept at least 1 px wide and high.
    """
    x1, x2 = np.clip(np.array([bbox[0], bbox[2]], np.float64) + 0.5, 0.0, width)
    y1, y2 = np.clip(np.array([bbox[1], bbox[3]], np.float64) + 0.5, 0.0, height)
    x2, y2 = max(x2, min(x1 + 1.0, width)), max(y2, min(y1 + 1.0, height))
    return min(x1, x2 - 1.0), min(y1, y2 - 1.0), x2, y2


def _resize_region(image: np.ndarray, region, out_w: int, out_h: int) -> np.ndarray:
    """(out_h, out_w, 3) uint8: the sub-pixel ``region`` of ``image`` resampled bilinearly
    (PIL, antialiased when shrinking). Only the pixels the filter reaches are handed to PIL."""
    h, w = image.shape[:2]
    x1, y1, x2, y2 = region
    # PIL's bilinear support is 1 px, widened by the shrink factor when downsampling
    margin = math.ceil(max((x2 - x1) / out_w, (y2 - y1) / out_h, 1.0)) + 1
    ix1, iy1 = max(0, math.floor(x1) - margin), max(0, math.floor(y1) - margin)
    ix2, iy2 = min(w, math.ceil(x2) + margin), min(h, math.ceil(y2) + margin)
    patch = Image.fromarray(np.ascontiguousarray(image[iy1:iy2, ix1:ix2]))
    box = (x1 - ix1, y1 - iy1, x2 - ix1, y2 - iy1)
    return np.asarray(patch.resize((out_w, out_h), Image.BILINEAR, box=box))


def crop_resize(image: np.ndarray, bbox, size: int, mode: str = "stretch") -> np.ndarray:
    """(H, W, 3) uint8, box x1 y1 x2 y2 -> (size, size, 3) uint8 bilinear crop of exactly the
    box (sub-pixel, :func:`box_region`; clipped to the image).

    stretch (the paper): the box is resized to size x size, its aspect ratio lost.
    letterbox: its longer side is resized to ``size`` and the shorter one by the same factor
    (at least 1 px), centred on PAD_RGB, so the crop keeps the box's proportions.
    """
    if mode not in CROP_MODES:
        raise ValueError(f"crop mode must be one of {CROP_MODES}, got {mode!r}")
    region = box_region(bbox, image.shape[1], image.shape[0])
    if mode == "stretch":
        return _resize_region(image, region, size, size)
    pw, ph = region[2] - region[0], region[3] - region[1]
    scale = size / max(pw, ph)
    rw, rh = max(1, min(size, round(pw * scale))), max(1, min(size, round(ph * scale)))
    out = np.empty((size, size, 3), np.uint8)
    out[:] = PAD_RGB
    top, left = (size - rh) // 2, (size - rw) // 2
    out[top:top + rh, left:left + rw] = _resize_region(image, region, rw, rh)
    return out
