"""KITTI ``velodyne`` point clouds: a flat float32 file of (x, y, z, reflectance) records."""

from __future__ import annotations

import os
from os import PathLike

import numpy as np

from common.errors import DataFormatError
from common.io import atomic_write_bytes


def check_velodyne(path: str | PathLike) -> None:
    """DataFormatError unless ``path`` exists with a size that is a multiple of 16 bytes."""
    try:
        size = os.path.getsize(path)
    except FileNotFoundError:
        raise DataFormatError(path, "expected a velodyne .bin file, found no such file") from None
    if size % 16 != 0:
        raise DataFormatError(
            path,
            f"expected a size that is a multiple of 16 bytes (4 float32 per point), got {size}")


def read_velodyne(path: str | PathLike) -> np.ndarray:
    """Read a ``.bin`` scan as (N, 4) float32 x, y, z (velodyne frame, metres), reflectance."""
    check_velodyne(path)
    return np.fromfile(path, dtype=np.float32).reshape(-1, 4)


def write_velodyne(path: str | PathLike, points: np.ndarray) -> None:
    """Write (N, 4) points as a float32 ``.bin`` file, atomically."""
    points = np.asarray(points, dtype=np.float32)
    if points.ndim != 2 or points.shape[1] != 4:
        raise ValueError(f"expected points of shape (N, 4), got {points.shape}")
    atomic_write_bytes(path, np.ascontiguousarray(points).tobytes())
