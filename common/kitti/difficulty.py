"""KITTI's official easy / moderate / hard levels of a ground-truth box."""

from __future__ import annotations

import numpy as np

DIFFICULTY_NAMES = ("easy", "moderate", "hard")

# KITTI object devkit, cpp/evaluate_object.cpp (and evaluate_object_3d_offline.cpp), cleanData:
# MIN_HEIGHT {40, 25, 25}, MAX_OCCLUSION {0, 1, 2}, MAX_TRUNCATION {0.15, 0.3, 0.5}; a ground-truth
# box is ignored at a level if
# occlusion > MAX_OCCLUSION || truncation > MAX_TRUNCATION || height < MIN_HEIGHT
# (strict: a box of exactly 25 px is moderate; the Python ports kitti-object-eval-python, OpenPCDet
# and mmdet3d ignore it with height <= MIN_HEIGHT). common.eval.kitti uses these constants.
MIN_HEIGHT = (40.0, 25.0, 25.0)
MAX_OCCLUSION = (0, 1, 2)
MAX_TRUNCATION = (0.15, 0.3, 0.5)


def difficulty(height_px, occluded, truncated):
    """Easiest level a box satisfies: 0 easy, 1 moderate, 2 hard, -1 none.

    ``height_px`` is the 2D box height y2 - y1 in pixels; it must be at least the level's minimum
    (as in the devkit: exactly 40 px can be easy). Scalars give an int, arrays (N,) give an int64
    array (N,).
    """
    h = np.asarray(height_px, dtype=np.float64)
    occ = np.asarray(occluded, dtype=np.float64)
    trunc = np.asarray(truncated, dtype=np.float64)
    level = np.full(np.broadcast(h, occ, trunc).shape, -1, dtype=np.int64)
    for lvl in (2, 1, 0):  # hardest first so the easiest satisfied level wins
        ok = (h >= MIN_HEIGHT[lvl]) & (occ <= MAX_OCCLUSION[lvl]) & (trunc <= MAX_TRUNCATION[lvl])
        level = np.where(ok, lvl, level)
    return int(level) if level.ndim == 0 else level
