"""MultiBin orientation encoding (Mousavian et al., CVPR 2017, Sec. 3.3).

The circle is split into ``num_bins`` equal bins centred at ``c_i = 2*pi*i/num_bins``; each bin is
widened by ``overlap`` (radians, total: ``overlap/2`` on each side) so that neighbouring bins
overlap. A local angle alpha is encoded as
  - confidence target: uniform over the bins that cover alpha (sums to 1), shape (num_bins,);
  - residual target: ``(cos(alpha - c_i), sin(alpha - c_i))`` for every covering bin, (0, 0) for
    the others, shape (num_bins, 2). A zero vector marks "not covering" for the loss.
Decoding takes the most confident bin: ``alpha = c_i + atan2(sin_i, cos_i)``.
"""

from __future__ import annotations

import numpy as np

from common.kitti.geometry import wrap_angle


def bin_centres(num_bins: int) -> np.ndarray:
    """(num_bins,) centres ``2*pi*i/num_bins`` wrapped to [-pi, pi)."""
    return wrap_angle(2 * np.pi * np.arange(num_bins) / num_bins)


def covering(alpha: np.ndarray, num_bins: int, overlap: float) -> np.ndarray:
    """(N, num_bins) bool: bin i covers alpha if |alpha - c_i|, wrapped to [-pi, pi), is at most
    pi/num_bins + overlap/2."""
    delta = wrap_angle(np.asarray(alpha, dtype=np.float64)[:, None] - bin_centres(num_bins)[None])
    return np.abs(delta) <= np.pi / num_bins + overlap / 2


def encode(
    alpha: np.ndarray, num_bins: int = 2, overlap: float = 0.1
) -> tuple[np.ndarray, np.ndarray]:
    """Encode local angles (N,) -> confidence (N, bins) float32, residual (N, bins, 2) float32."""
    alpha = np.asarray(alpha, dtype=np.float64).reshape(-1)
    cover = covering(alpha, num_bins, overlap)
    conf = cover / cover.sum(axis=1, keepdims=True)
    delta = alpha[:, None] - bin_centres(num_bins)[None]
    residual = np.stack([np.cos(delta), np.sin(delta)], axis=-1) * cover[..., None]
    return conf.astype(np.float32), residual.astype(np.float32)


def decode(confidence: np.ndarray, residual: np.ndarray) -> np.ndarray:
    """Angles (N,) in [-pi, pi) from confidence (N, bins) and (cos, sin) residuals (N, bins, 2)."""
    confidence = np.asarray(confidence)
    residual = np.asarray(residual, dtype=np.float64)
    best = confidence.argmax(axis=1)
    r = residual[np.arange(len(best)), best]
    centres = bin_centres(confidence.shape[1])
    return wrap_angle(centres[best] + np.arctan2(r[:, 1], r[:, 0]))
