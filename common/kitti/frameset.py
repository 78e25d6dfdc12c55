"""A KITTI object dataset on disk: frame ids of a split and per-frame file access."""

from __future__ import annotations

from os import PathLike
from pathlib import Path

import numpy as np

from common.errors import DataFormatError
from common.io import read_image
from common.kitti.calib import KittiCalib, read_calib
from common.kitti.label import KittiObject, read_label
from common.kitti.splits import read_split
from common.kitti.velodyne import check_velodyne, read_velodyne


def check_image(path: Path) -> tuple[int, int]:
    """(width, height) of an image from its header; DataFormatError unless it opens as one."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            return im.size
    except FileNotFoundError:
        raise DataFormatError(path, "expected an image file, found no such file") from None
    except (UnidentifiedImageError, OSError) as e:
        raise DataFormatError(path, f"expected a readable image (PNG/JPEG), got: {e}") from None


class KittiFrameSet:
    """Frames of ``ROOT/{subset}/{image_2,label_2,calib,velodyne}``.

    ``split`` is a name (``ROOT/ImageSets/{split}.txt``), a path to a split file, a list (or tuple)
    of frame ids, or None for every image in ``image_2``. With ``skip_bad=True`` the frames whose
    label or calib do not parse, or whose image or velodyne scan is missing or unreadable, are left
    out of ``ids`` and recorded in ``bad`` as (path, message); otherwise a bad file raises
    DataFormatError when accessed.
    """

    def __init__(self, root: str | PathLike,
                 split: str | PathLike | list[str] | tuple[str, ...] | None = "train",
                 subset: str = "training", skip_bad: bool = False):
        self.root = Path(root)
        self.subset_dir = self.root / subset
        self.bad: list[tuple[str, str]] = []
        self.has_labels = (self.subset_dir / "label_2").is_dir()
        if split is None:
            image_dir = self.subset_dir / "image_2"
            if not image_dir.is_dir():
                raise DataFormatError(image_dir, "expected a KITTI image_2 folder, found none")
            ids = sorted(p.stem for p in image_dir.glob("*.png"))
        elif isinstance(split, list | tuple):
            ids = [str(i) for i in split]
        else:
            split_path = Path(split)
            if not split_path.suffix and not split_path.exists():
                split_path = self.root / "ImageSets" / f"{split}.txt"
            ids = read_split(split_path)
        self._labels: dict[str, list[KittiObject]] = {}
        self.ids: list[str] = []
        for frame_id in ids:
            if skip_bad:
                problem = self._check(frame_id)
                if problem is not None:
                    self.bad.append(problem)
                    continue
            self.ids.append(frame_id)

    def _check(self, frame_id: str) -> tuple[str, str] | None:
        """(path, message) of the first problem of a frame, or None if it reads."""
        try:
            check_image(self.image_path(frame_id))
            if self.has_labels:
                self._labels[frame_id] = read_label(self.label_path(frame_id))
            self.calib(frame_id)
            if (self.subset_dir / "velodyne").is_dir():
                check_velodyne(self.velodyne_path(frame_id))
        except DataFormatError as e:
            return e.path, str(e)
        return None

    def __len__(self) -> int:
        return len(self.ids)

    def __iter__(self):
        return iter(self.ids)

    def image_path(self, frame_id: str) -> Path:
        return self.subset_dir / "image_2" / f"{frame_id}.png"

    def label_path(self, frame_id: str) -> Path:
        return self.subset_dir / "label_2" / f"{frame_id}.txt"

    def calib_path(self, frame_id: str) -> Path:
        return self.subset_dir / "calib" / f"{frame_id}.txt"

    def velodyne_path(self, frame_id: str) -> Path:
        return self.subset_dir / "velodyne" / f"{frame_id}.bin"

    def label(self, frame_id: str) -> list[KittiObject]:
        if frame_id not in self._labels:
            self._labels[frame_id] = read_label(self.label_path(frame_id))
        return self._labels[frame_id]

    def calib(self, frame_id: str) -> KittiCalib:
        return read_calib(self.calib_path(frame_id))

    def image(self, frame_id: str) -> np.ndarray:
        """(H, W, 3) uint8 RGB."""
        return read_image(self.image_path(frame_id))

    def velodyne(self, frame_id: str) -> np.ndarray:
        """(N, 4) float32 x, y, z, reflectance."""
        return read_velodyne(self.velodyne_path(frame_id))
