"""KITTI object ``label_2`` files: one object per line, 15 fields (16 with a detection score).

Field order (KITTI object devkit readme.txt)::

    type truncated occluded alpha x1 y1 x2 y2 h w l x y z rotation_y [score]
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from os import PathLike

import numpy as np

from common.errors import DataFormatError
from common.io import atomic_write_text

CLASSES = (
    "Car", "Van", "Truck", "Pedestrian", "Person_sitting", "Cyclist", "Tram", "Misc", "DontCare",
)
# the classes of objects (DontCare marks regions, not objects)
OBJECT_CLASSES = tuple(c for c in CLASSES if c != "DontCare")

_FIELD_NAMES = ("truncated", "occluded", "alpha", "x1", "y1", "x2", "y2", "h", "w", "l",
                "x", "y", "z", "rotation_y", "score")


@dataclass(eq=False)
class KittiObject:
    """One labelled (or detected) object.

    ``bbox`` (4,) x1, y1, x2, y2 pixels in image_2; ``dimensions`` (3,) h, w, l metres;
    ``location`` (3,) x, y, z of the box's bottom centre in the rectified camera frame;
    ``rotation_y`` yaw about the camera y axis in [-pi, pi]; ``alpha`` observation angle.
    """

    type: str
    truncated: float
    occluded: int
    alpha: float
    bbox: np.ndarray
    dimensions: np.ndarray
    location: np.ndarray
    rotation_y: float
    score: float | None = None

    def __post_init__(self):
        self.bbox = np.asarray(self.bbox, dtype=np.float64).reshape(4)
        self.dimensions = np.asarray(self.dimensions, dtype=np.float64).reshape(3)
        self.location = np.asarray(self.location, dtype=np.float64).reshape(3)

    def __eq__(self, other) -> bool:
        if not isinstance(other, KittiObject):
            return NotImplemented
        return all(np.array_equal(getattr(self, f.name), getattr(other, f.name))
                   for f in fields(self))


def parse_label_line(line: str, path: str | PathLike = "<string>", lineno: int | None = None,
                     classes: tuple[str, ...] = CLASSES) -> KittiObject:
    """Parse one label line; DataFormatError naming ``path:lineno`` and what was expected."""
    parts = line.split()
    if len(parts) not in (15, 16):
        raise DataFormatError(
            path, f"expected 15 fields (16 with a score), got {len(parts)}: {line.strip()!r}",
            lineno)
    name = parts[0]
    if name not in classes:
        raise DataFormatError(path, f"expected a class name in {classes}, got {name!r}", lineno)
    values = []
    for fname, text in zip(_FIELD_NAMES, parts[1:], strict=False):
        try:
            values.append(float(text))
        except ValueError:
            raise DataFormatError(path, f"expected a number for field {fname!r}, got {text!r}",
                                  lineno) from None
    occluded = values[1]
    if occluded != int(occluded):
        raise DataFormatError(path, f"expected an integer for field 'occluded', got {parts[2]!r}",
                              lineno)
    return KittiObject(
        type=name, truncated=values[0], occluded=int(occluded), alpha=values[2],
        bbox=np.array(values[3:7]), dimensions=np.array(values[7:10]),
        location=np.array(values[10:13]), rotation_y=values[13],
        score=values[14] if len(values) == 15 else None)


def read_label(path: str | PathLike, classes: tuple[str, ...] = CLASSES) -> list[KittiObject]:
    """Read a ``label_2`` file (blank lines ignored); DataFormatError with the line number."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        raise DataFormatError(path, "expected a KITTI label file, found no such file") from None
    except UnicodeDecodeError as e:
        raise DataFormatError(
            path, f"expected a text label file, got undecodable bytes: {e}") from None
    return [parse_label_line(line, path, i, classes)
            for i, line in enumerate(lines, 1) if line.strip()]


def format_label_line(obj: KittiObject) -> str:
    """One KITTI label line, ``%.2f`` like the official files (score ``%.4f`` when set)."""
    nums = [obj.alpha, *obj.bbox, *obj.dimensions, *obj.location, obj.rotation_y]
    text = f"{obj.type} {obj.truncated:.2f} {int(obj.occluded)} "
    text += " ".join(f"{v:.2f}" for v in nums)
    if obj.score is not None:
        text += f" {obj.score:.4f}"
    return text


def write_label(path: str | PathLike, objs: list[KittiObject]) -> None:
    """Write objects as a ``label_2`` file, atomically."""
    atomic_write_text(path, "".join(format_label_line(o) + "\n" for o in objs))


def objects_to_arrays(objs: list[KittiObject]) -> dict[str, np.ndarray]:
    """Stack objects into arrays: name (N,), truncated (N,), occluded (N,), alpha (N,), bbox (N,4),
    dimensions (N,3) hwl, location (N,3), rotation_y (N,), score (N,) (0 where None)."""
    return {
        "name": np.array([o.type for o in objs], dtype=str),
        "truncated": np.array([o.truncated for o in objs], dtype=np.float64),
        "occluded": np.array([o.occluded for o in objs], dtype=np.int64),
        "alpha": np.array([o.alpha for o in objs], dtype=np.float64),
        "bbox": np.array([o.bbox for o in objs], dtype=np.float64).reshape(-1, 4),
        "dimensions": np.array([o.dimensions for o in objs], dtype=np.float64).reshape(-1, 3),
        "location": np.array([o.location for o in objs], dtype=np.float64).reshape(-1, 3),
        "rotation_y": np.array([o.rotation_y for o in objs], dtype=np.float64),
        "score": np.array([0.0 if o.score is None else o.score for o in objs], dtype=np.float64),
    }
