"""2D rasterisation and texture helpers (numpy only): polygons, noise textures, image encoding."""

from __future__ import annotations

import io

import numpy as np


def points_in_polygon(x: np.ndarray, y: np.ndarray, vertices: np.ndarray) -> np.ndarray:
    """Even-odd rule (convex or not): which points (x, y arrays of any shape) are inside the
    polygon ``vertices`` (K, 2)."""
    v = np.asarray(vertices, dtype=np.float64)
    inside = np.zeros(np.shape(x), dtype=bool)
    for (ax, ay), (bx, by) in zip(v, np.roll(v, -1, axis=0), strict=True):
        crosses = (ay > y) != (by > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            xint = ax + (y - ay) * (bx - ax) / (by - ay)
        inside ^= crosses & (x < xint)
    return inside


def value_noise(rng: np.random.Generator, height: int, width: int, cell: int) -> np.ndarray:
    """(H, W) smooth noise in [0, 1]: random values on a grid of ``cell`` pixels, bilinear."""
    gh, gw = height // cell + 2, width // cell + 2
    grid = rng.random((gh, gw))
    y = np.arange(height) / cell
    x = np.arange(width) / cell
    y0, x0 = y.astype(int), x.astype(int)
    fy, fx = (y - y0)[:, None], (x - x0)[None, :]
    a = grid[y0][:, x0]
    b = grid[y0][:, x0 + 1]
    c = grid[y0 + 1][:, x0]
    d = grid[y0 + 1][:, x0 + 1]
    return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy


def hash_noise(ix: np.ndarray, iy: np.ndarray, seed: int) -> np.ndarray:
    """Deterministic pseudo-random values in [0, 1) for integer lattice cells (any shape).

    Used for textures fixed to a surface (ground, furniture): the same cell has the same value in
    every view.
    """
    h = (np.asarray(ix, dtype=np.int64) * 73856093) ^ (np.asarray(iy, dtype=np.int64) * 19349663)
    h = (h ^ (seed * 83492791)) & 0xFFFFFFFF
    h = (h * 2654435761) & 0xFFFFFFFF
    h ^= h >> 15
    return (h & 0xFFFF) / 65536.0


def to_uint8(img: np.ndarray) -> np.ndarray:
    """Float image in [0, 255] -> rounded, clipped uint8."""
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def encode_image(arr: np.ndarray, fmt: str, **kwargs) -> bytes:
    """Encode an array with Pillow (``fmt`` "PNG" or "JPEG"); bytes are deterministic."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format=fmt, **kwargs)
    return buf.getvalue()
