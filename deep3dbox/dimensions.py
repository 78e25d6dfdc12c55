"""Dimension targets: the residual of h, w, l to the class mean, in metres or in class stds.

    metres      target = dims - mean             (the paper, Sec. 3.4: L_dims is the MSE of it)
    normalised  target = (dims - mean) / std     decode: dims = mean + std * output

Means and standard deviations come from the training split's labels, per class and axis. In
metres the target's spread (a few cm for h and w) makes its MSE tiny next to the orientation and
confidence losses, so the shared layers learn next to nothing about size; in class stds every
axis of every class has unit variance.
"""

from __future__ import annotations

import numpy as np

from common.kitti import KittiFrameSet

DIM_TARGETS = ("metres", "normalised")
# Floor of a class std (m): a class with one object (std 0) or near-identical ones would turn a
# val object's centimetres into huge normalised targets.
MIN_STD = 0.05


def class_dimension_stats(frames: KittiFrameSet, classes) -> tuple[dict, dict]:
    """Per class in ``frames`` (the training split): mean h, w, l and their std (>= MIN_STD),
    as {class: [h, w, l]} lists for meta.json."""
    dims: dict[str, list] = {c: [] for c in classes}
    for fid in frames.ids:
        for o in frames.label(fid):
            if o.type in dims:
                dims[o.type].append(o.dimensions)
    present = {c: np.asarray(v, dtype=np.float64) for c, v in dims.items() if v}
    means = {c: v.mean(axis=0).tolist() for c, v in present.items()}
    stds = {c: np.maximum(v.std(axis=0), MIN_STD).tolist() for c, v in present.items()}
    return means, stds


def encode(dims, mean, scale=None) -> np.ndarray:
    """dims, mean (N, 3) m, scale (N, 3) the class stds or None (metres) -> targets (N, 3)."""
    residual = np.asarray(dims, dtype=np.float64) - np.asarray(mean, dtype=np.float64)
    return residual if scale is None else residual / np.asarray(scale, dtype=np.float64)


def decode(output, mean, scale=None) -> np.ndarray:
    """Network output (N, 3) -> h, w, l (N, 3) m: ``mean + scale * output`` (scale 1: metres)."""
    output = np.asarray(output, dtype=np.float64)
    return np.asarray(mean) + (output if scale is None else np.asarray(scale) * output)
