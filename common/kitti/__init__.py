"""KITTI object detection benchmark: file formats, frames, geometry and difficulty levels."""

from common.kitti import geometry
from common.kitti.calib import KittiCalib, read_calib, write_calib
from common.kitti.difficulty import DIFFICULTY_NAMES, difficulty
from common.kitti.frameset import KittiFrameSet
from common.kitti.label import (
    CLASSES,
    KittiObject,
    format_label_line,
    objects_to_arrays,
    parse_label_line,
    read_label,
    write_label,
)
from common.kitti.splits import read_split, write_split
from common.kitti.velodyne import read_velodyne, write_velodyne

__all__ = [
    "CLASSES", "DIFFICULTY_NAMES", "KittiCalib", "KittiFrameSet", "KittiObject", "difficulty",
    "format_label_line", "geometry", "objects_to_arrays", "parse_label_line", "read_calib",
    "read_label", "read_split", "read_velodyne", "write_calib", "write_label", "write_split",
    "write_velodyne",
]
