"""Targets against numbers worked out by hand from the official formulas."""

import math

import numpy as np
import pytest

from centernet.targets import build_targets, draw_umich_gaussian, gaussian_radius


def test_radius_official_square_box():
    # h = w = 10, min_overlap 0.7. Case 3: a = 2.8, b = -28, c = -30, sqrt(784 + 336) = 33.466401;
    # official r3 = (-28 + 33.466401) / 2 = 2.7332005 (cases 1, 2 give 19.07 and 36.73).
    assert gaussian_radius((10, 10)) == pytest.approx(2.7332005, abs=1e-6)


def test_radius_official_wide_box():
    # h = 20, w = 40: b3 = -1.4 * 60 = -84, c3 = -0.3 * 800 = -240,
    # sqrt(7056 + 4 * 2.8 * 240) = sqrt(9744) = 98.711701 -> r3 = 14.711701 / 2 = 7.3558505.
    assert gaussian_radius((20, 40)) == pytest.approx(7.3558505, abs=1e-6)


def test_radius_corrected_square_box():
    # corrected: r1 = (20 - sqrt(400 - 70.588235)) / 2 = (20 - 18.149704) / 2 = 0.925148,
    # r2 = (40 - 33.466401) / 8 = 0.816700, r3 = 5.466401 / 5.6 = 0.976143 -> min 0.816700.
    assert gaussian_radius((10, 10), corrected=True) == pytest.approx(0.8167, abs=1e-5)
    # and that radius is the exact one of case 2: a box shrunk by r on every side has IoU 0.7
    r = 0.8167003
    assert (10 - 2 * r) ** 2 / 100 == pytest.approx(0.7, abs=1e-6)


def test_gaussian_peak_and_spread():
    hm = np.zeros((9, 9), np.float32)
    draw_umich_gaussian(hm, (4, 4), radius=2)
    # diameter 5, sigma 5/6: exp(-d^2 / (2 * 25/36)) = exp(-0.72 d^2)
    assert hm[4, 4] == 1.0
    assert hm[4, 5] == pytest.approx(math.exp(-0.72), rel=1e-6)  # 0.486752
    assert hm[5, 5] == pytest.approx(math.exp(-1.44), rel=1e-6)  # 0.236928
    assert hm[4, 6] == pytest.approx(math.exp(-2.88), rel=1e-6)  # 0.056135
    assert hm[4, 7] == 0 and hm[1, 4] == 0  # nothing beyond the radius
    assert np.count_nonzero(hm) == 25


def test_gaussian_overlap_keeps_max_and_clips_at_border():
    hm = np.zeros((5, 5), np.float32)
    draw_umich_gaussian(hm, (0, 0), radius=1)
    draw_umich_gaussian(hm, (1, 0), radius=1)
    # sigma 0.5: a neighbour gets exp(-2) = 0.135335; both peaks stay 1 (max, not sum)
    assert hm[0, 0] == 1.0 and hm[0, 1] == 1.0
    assert hm[0, 2] == pytest.approx(math.exp(-2), rel=1e-6)
    assert hm[1, 1] == pytest.approx(math.exp(-2), rel=1e-6)
    assert hm[1, 0] == pytest.approx(math.exp(-2), rel=1e-6)


def test_build_targets_one_box():
    # box (2.5, 3)-(8.5, 7) on a 12x16 (H x W) grid: w 6, h 4, centre (5.5, 5) -> cell (5, 5),
    # offset (0.5, 0); radius int(gaussian_radius((4, 6))) = int(1.3162) = 1
    t = build_targets(np.array([[2.5, 3, 8.5, 7]]), np.array([1]), 3, (12, 16))
    assert t["hm"].shape == (3, 12, 16) and t["wh"].shape == (128, 2)
    assert t["hm"][1, 5, 5] == 1.0
    assert t["hm"][1, 5, 6] == pytest.approx(math.exp(-2), rel=1e-6)
    assert t["hm"][1, 5, 7] == 0
    assert t["hm"][0].sum() == 0 and t["hm"][2].sum() == 0
    np.testing.assert_allclose(t["wh"][0], [6, 4])
    np.testing.assert_allclose(t["reg"][0], [0.5, 0])
    assert t["ind"][0] == 5 * 16 + 5
    assert t["reg_mask"].tolist() == [1] + [0] * 127


def test_build_targets_drops_boxes_outside_the_map():
    t = build_targets(np.array([[20.0, 20, 30, 30]]), np.array([0]), 1, (8, 8))
    assert t["reg_mask"].sum() == 0 and t["hm"].sum() == 0
