"""KITTI object ``calib`` files: ``KEY: v1 v2 ...`` lines for the cameras and sensors.

P0-P3 are the (3, 4) projection matrices of the four cameras in rectified coordinates, R0_rect the
(3, 3) rectifying rotation of camera 0, Tr_velo_to_cam / Tr_imu_to_velo (3, 4) rigid transforms.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from os import PathLike

import numpy as np

from common.errors import DataFormatError
from common.io import atomic_write_text

_SHAPES = {"P0": (3, 4), "P1": (3, 4), "P2": (3, 4), "P3": (3, 4), "R0_rect": (3, 3),
           "Tr_velo_to_cam": (3, 4), "Tr_imu_to_velo": (3, 4)}


@dataclass(eq=False)
class KittiCalib:
    """Calibration of one frame; all matrices float64."""

    P0: np.ndarray
    P1: np.ndarray
    P2: np.ndarray
    P3: np.ndarray
    R0_rect: np.ndarray
    Tr_velo_to_cam: np.ndarray
    Tr_imu_to_velo: np.ndarray

    def __post_init__(self):
        for f in fields(self):
            setattr(self, f.name,
                    np.asarray(getattr(self, f.name), dtype=np.float64).reshape(_SHAPES[f.name]))

    def __eq__(self, other) -> bool:
        if not isinstance(other, KittiCalib):
            return NotImplemented
        return all(np.array_equal(getattr(self, n), getattr(other, n)) for n in _SHAPES)


def read_calib(path: str | PathLike) -> KittiCalib:
    """Read a calib file; DataFormatError naming a missing key or a line with the wrong count."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        raise DataFormatError(path, "expected a KITTI calib file, found no such file") from None
    except UnicodeDecodeError as e:
        raise DataFormatError(
            path, f"expected a text calib file, got undecodable bytes: {e}") from None
    found: dict[str, np.ndarray] = {}
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        key, sep, rest = line.partition(":")
        key = key.strip()
        if not sep:
            raise DataFormatError(path, f"expected 'KEY: numbers', got {line.strip()!r}", lineno)
        if key not in _SHAPES:
            continue  # other keys (e.g. raw-data calib) are allowed and ignored
        try:
            values = np.array([float(v) for v in rest.split()], dtype=np.float64)
        except ValueError:
            raise DataFormatError(path, f"expected numbers after {key!r}, got {rest.strip()!r}",
                                  lineno) from None
        n = int(np.prod(_SHAPES[key]))
        if values.size != n:
            raise DataFormatError(path, f"expected {n} numbers for {key!r}, got {values.size}",
                                  lineno)
        found[key] = values
    missing = [k for k in _SHAPES if k not in found]
    if missing:
        raise DataFormatError(path, f"expected key(s) {', '.join(missing)}, missing from the file")
    return KittiCalib(**found)


def write_calib(path: str | PathLike, calib: KittiCalib) -> None:
    """Write a calib file in KITTI's ``%e``-style layout, atomically."""
    lines = [f"{name}: " + " ".join(f"{v:.12e}" for v in np.asarray(getattr(calib, name)).ravel())
             for name in _SHAPES]
    atomic_write_text(path, "\n".join(lines) + "\n")
