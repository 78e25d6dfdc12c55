"""KITTI calib files: round trip, missing keys, wrong counts."""

import numpy as np
import pytest

from common.errors import DataFormatError
from common.kitti import KittiCalib, read_calib, write_calib


def _calib():
    rng = np.random.default_rng(0)
    return KittiCalib(*(rng.normal(size=s) for s in [(3, 4)] * 4 + [(3, 3), (3, 4), (3, 4)]))


def test_round_trip(tmp_path):
    c = _calib()
    write_calib(tmp_path / "c.txt", c)
    back = read_calib(tmp_path / "c.txt")
    for name in ("P0", "P1", "P2", "P3", "R0_rect", "Tr_velo_to_cam", "Tr_imu_to_velo"):
        np.testing.assert_allclose(getattr(back, name), getattr(c, name), rtol=1e-12)
    assert back.R0_rect.shape == (3, 3) and back.P2.shape == (3, 4)
    write_calib(tmp_path / "d.txt", back)
    assert read_calib(tmp_path / "d.txt") == back  # the %.12e text is a fixed point


def test_fixture_values(kitti_fixture_root):
    c = read_calib(kitti_fixture_root / "training" / "calib" / "000000.txt")
    assert c.P2[0, 0] == pytest.approx(707.0493) and c.P2[0, 3] == pytest.approx(45.75831)
    assert c.R0_rect[0, 0] == pytest.approx(0.9999127984047)
    assert c.Tr_velo_to_cam[2, 3] == pytest.approx(-0.332102894783)


def test_missing_key_is_named(tmp_path):
    write_calib(tmp_path / "c.txt", _calib())
    lines = (tmp_path / "c.txt").read_text().splitlines()
    (tmp_path / "c.txt").write_text("\n".join(l for l in lines if not l.startswith("R0_rect")))
    with pytest.raises(DataFormatError, match=r"c\.txt: expected key\(s\) R0_rect, missing"):
        read_calib(tmp_path / "c.txt")


def test_wrong_number_count_names_line(tmp_path):
    write_calib(tmp_path / "c.txt", _calib())
    lines = (tmp_path / "c.txt").read_text().splitlines()
    lines[2] = "P2: 1 2 3"
    (tmp_path / "c.txt").write_text("\n".join(lines))
    with pytest.raises(DataFormatError, match=r"c\.txt:3: expected 12 numbers for 'P2', got 3"):
        read_calib(tmp_path / "c.txt")


def test_non_numeric_and_no_colon(tmp_path):
    write_calib(tmp_path / "c.txt", _calib())
    text = (tmp_path / "c.txt").read_text()
    (tmp_path / "a.txt").write_text(text.replace("P1:", "P1: x", 1))
    with pytest.raises(DataFormatError, match=r"a\.txt:2: expected numbers after 'P1'"):
        read_calib(tmp_path / "a.txt")
    (tmp_path / "b.txt").write_text(text + "garbage line\n")
    with pytest.raises(DataFormatError, match=r"b\.txt:8: expected 'KEY: numbers'"):
        read_calib(tmp_path / "b.txt")
