"""The official ctdet augmentation and input warping (official src/lib/utils/image.py and
src/lib/datasets/sample/ctdet.py).

Images are cropped by an affine map that sends a square of side ``side`` around ``center`` onto
the network input; training draws ``side`` = max(H, W) x {0.6, 0.7, ..., 1.3} and a random
centre away from the border, flips with probability 0.5, then jitters brightness, contrast and
saturation (in random order) and adds PCA lighting noise.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

# PCA of ImageNet RGB pixels, as in the official code (applied there to BGR images, kept as is).
EIG_VAL = np.array([0.2141788, 0.01817699, 0.00348571], dtype=np.float32)
EIG_VEC = np.array([[-0.58752847, -0.69563484, 0.41340352],
                    [-0.5832747, 0.00994535, -0.81221408],
                    [-0.56089297, 0.71832671, 0.41158938]], dtype=np.float32)
SCALES = np.arange(0.6, 1.4, 0.1)  # official: np.random.choice(np.arange(0.6, 1.4, 0.1))


def affine_matrix(center, side: float, out_size: tuple[int, int]) -> np.ndarray:
    """2x3 map of get_affine_transform(center, side, rot=0, (out_w, out_h)):
    x' = (x - cx) * k + out_w / 2, y' = (y - cy) * k + out_h / 2 with k = out_w / side."""
    out_h, out_w = out_size
    k = out_w / side
    return np.array([[k, 0, out_w / 2 - k * center[0]],
                     [0, k, out_h / 2 - k * center[1]]], dtype=np.float64)


def apply_affine(points: np.ndarray, m: np.ndarray) -> np.ndarray:
    """(N, 2) points through a 2x3 affine map."""
    return points @ m[:, :2].T + m[:, 2]


def warp_image(img: np.ndarray, m: np.ndarray, out_size: tuple[int, int]) -> np.ndarray:
    """cv2.warpAffine(img, m, (out_w, out_h), INTER_LINEAR) with PIL: (H, W, 3) uint8 ->
    (out_h, out_w, 3) uint8, black outside. OpenCV puts pixel centres on integers, PIL at
    +0.5, hence the half-pixel terms of the inverse map."""
    out_h, out_w = out_size
    a = np.vstack([m, [0, 0, 1]])
    inv = np.linalg.inv(a)[:2]
    coeffs = inv.copy()
    coeffs[:, 2] = inv[:, 2] + 0.5 - 0.5 * inv[:, :2].sum(1)
    out = Image.fromarray(img).transform((out_w, out_h), Image.Transform.AFFINE,
                                         data=tuple(coeffs.reshape(-1)),
                                         resample=Image.Resampling.BILINEAR)
    return np.asarray(out)


def _get_border(border: int, size: int) -> int:
    """Official ``_get_border``: halve the 128-pixel margin until the centre range is non-empty."""
    i = 1
    while size - border // i <= border // i:
        i *= 2
    return border // i


def random_crop(rng: np.random.Generator, width: int, height: int) -> tuple[np.ndarray, float]:
    """Random (centre, side) of the official training crop (``not_rand_crop`` False)."""
    side = max(height, width) * float(rng.choice(SCALES))
    w_border = _get_border(128, width)
    h_border = _get_border(128, height)
    center = np.array([rng.integers(w_border, width - w_border),
                       rng.integers(h_border, height - h_border)], dtype=np.float32)
    return center, side


def _grayscale(img_bgr: np.ndarray) -> np.ndarray:
    """cv2.COLOR_BGR2GRAY on a float image: 0.114 B + 0.587 G + 0.299 R."""
    return img_bgr @ np.array([0.114, 0.587, 0.299], dtype=np.float32)


def color_aug(rng: np.random.Generator, img: np.ndarray, var: float = 0.4,
              alphastd: float = 0.1) -> np.ndarray:
    """Official ``color_aug`` in place on a (H, W, 3) float32 BGR image in [0, 1]: brightness,
    contrast, saturation (factor 1 + U(-0.4, 0.4), random order), then PCA lighting N(0, 0.1)."""
    gs = _grayscale(img)
    gs_mean = gs.mean()

    def brightness():
        img[...] *= 1.0 + rng.uniform(-var, var)

    def contrast():
        alpha = 1.0 + rng.uniform(-var, var)
        img[...] = img * alpha + gs_mean * (1 - alpha)

    def saturation():
        alpha = 1.0 + rng.uniform(-var, var)
        img[...] = img * alpha + gs[:, :, None] * (1 - alpha)

    for i in rng.permutation(3):
        (brightness, contrast, saturation)[i]()
    alpha = rng.normal(scale=alphastd, size=(3,)).astype(np.float32)
    img += EIG_VEC @ (EIG_VAL * alpha)
    return img
