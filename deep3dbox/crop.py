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


def crop_resize(image: np.ndarray, bbox, size: int, mode: str = "stretch") -> np.ndarray:
    """(H, W, 3) uint8, box x1 y1 x2 y2 -> (size, size, 3) uint8 bilinear crop (box clipped).

    stretch (the paper): the box is resized to size x size, its aspect ratio lost.
    letterbox: its longer side is resized to ``size`` and the shorter one by the same factor
    (at least 1 px), centred on PAD_RGB, so the crop keeps the box's proportions.
    """
    h, w = image.shape[:2]
    x1, y1 = max(0, int(math.floor(bbox[0]))), max(0, int(math.floor(bbox[1])))
    x2, y2 = min(w, int(math.ceil(bbox[2])) + 1), min(h, int(math.ceil(bbox[3])) + 1)
    x2, y2 = max(x2, x1 + 1), max(y2, y1 + 1)
    patch = Image.fromarray(np.ascontiguousarray(image[y1:y2, x1:x2]))
    if mode == "stretch":
        return np.asarray(patch.resize((size, size), Image.BILINEAR))
    if mode != "letterbox":
        raise ValueError(f"crop mode must be one of {CROP_MODES}, got {mode!r}")
    pw, ph = x2 - x1, y2 - y1
    scale = size / max(pw, ph)
    rw, rh = max(1, round(pw * scale)), max(1, round(ph * scale))
    out = np.empty((size, size, 3), np.uint8)
    out[:] = PAD_RGB
    top, left = (size - rh) // 2, (size - rw) // 2
    out[top:top + rh, left:left + rw] = np.asarray(patch.resize((rw, rh), Image.BILINEAR))
    return out
