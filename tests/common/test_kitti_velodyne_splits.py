"""KITTI velodyne .bin scans and ImageSets split files."""

import numpy as np
import pytest

from common.errors import DataFormatError
from common.kitti import read_split, read_velodyne, write_split, write_velodyne


def test_velodyne_round_trip(tmp_path):
    pts = np.arange(20, dtype=np.float32).reshape(5, 4) / 3
    write_velodyne(tmp_path / "p.bin", pts)
    assert (tmp_path / "p.bin").stat().st_size == 80
    back = read_velodyne(tmp_path / "p.bin")
    assert back.dtype == np.float32 and back.shape == (5, 4)
    np.testing.assert_array_equal(back, pts)


def test_fixture_scan(kitti_fixture_root):
    pts = read_velodyne(kitti_fixture_root / "training" / "velodyne" / "000000.bin")
    assert pts.shape == (800, 4)
    assert np.isfinite(pts).all()
    assert 0.0 <= pts[:, 3].min() and pts[:, 3].max() <= 1.0  # reflectance in [0, 1]


def test_velodyne_bad_size(tmp_path):
    (tmp_path / "p.bin").write_bytes(b"\0" * 20)
    with pytest.raises(DataFormatError, match=r"p\.bin: expected a size that is a multiple of 16 "
                                              r"bytes \(4 float32 per point\), got 20"):
        read_velodyne(tmp_path / "p.bin")


def test_velodyne_missing(tmp_path):
    with pytest.raises(DataFormatError, match=r"q\.bin: expected a velodyne \.bin file"):
        read_velodyne(tmp_path / "q.bin")


def test_split_round_trip(tmp_path):
    write_split(tmp_path / "train.txt", [0, 3, "000007", 7481])
    assert (tmp_path / "train.txt").read_text() == "000000\n000003\n000007\n007481\n"
    assert read_split(tmp_path / "train.txt") == ["000000", "000003", "000007", "007481"]


def test_split_bad_id(tmp_path):
    (tmp_path / "val.txt").write_text("000001\n\n12a\n")
    with pytest.raises(DataFormatError, match=r"val\.txt:3: expected a 6-digit frame id, got '12a"):
        read_split(tmp_path / "val.txt")
