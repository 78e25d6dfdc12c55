"""MultiBin encoding: bins, covering targets and the decode round trip over the whole circle."""

import numpy as np
import pytest

from common.kitti.geometry import wrap_angle
from deep3dbox.multibin import bin_centres, decode, encode


@pytest.mark.parametrize("num_bins,overlap", [(2, 0.1), (4, 0.1), (8, 0.3), (2, 0.0)])
def test_round_trip_whole_circle(num_bins, overlap):
    alpha = np.linspace(-np.pi, np.pi, 3601)[:-1]
    conf, residual = encode(alpha, num_bins, overlap)
    np.testing.assert_allclose(conf.sum(axis=1), 1, atol=1e-6)
    back = decode(conf, residual)
    np.testing.assert_allclose(wrap_angle(back - alpha), 0, atol=1e-5)  # float32 targets
    # every covering bin decodes alpha, not only the first: let the last covering bin win
    prefer_last = conf + 1e-3 * np.arange(num_bins) * (conf > 0)
    np.testing.assert_allclose(wrap_angle(decode(prefer_last, residual) - alpha), 0, atol=1e-5)
    # each of the num_bins overlaps is `overlap` wide: that share of the circle has two bins
    double = (np.count_nonzero(conf, axis=1) == 2).mean()
    assert double == pytest.approx(num_bins * overlap / (2 * np.pi), abs=0.002)


def test_hand_checked_targets_two_bins():
    # bins centred at 0 and -pi (= pi), each half width pi/2 + 0.05
    np.testing.assert_allclose(bin_centres(2), [0.0, -np.pi])
    conf, res = encode(np.array([1.0, np.pi / 2, -3.0]), 2, 0.1)
    np.testing.assert_allclose(conf, [[1, 0], [0.5, 0.5], [0, 1]])
    np.testing.assert_allclose(res[0], [[np.cos(1.0), np.sin(1.0)], [0, 0]], atol=1e-7)
    # pi/2 is covered by both bins: residual +pi/2 from bin 0, -pi/2 from bin pi
    np.testing.assert_allclose(res[1], [[0, 1], [0, -1]], atol=1e-7)
    np.testing.assert_allclose(res[2, 1], [np.cos(np.pi - 3.0), np.sin(np.pi - 3.0)], atol=1e-6)
    # just outside the overlap only one bin covers
    conf, _ = encode(np.array([np.pi / 2 + 0.06]), 2, 0.1)
    np.testing.assert_allclose(conf, [[0, 1]])


def test_decode_uses_most_confident_bin():
    residual = np.array([[[1.0, 0.0], [0.0, 1.0]]])  # bin 0 says 0, bin 1 says -pi + pi/2
    assert decode(np.array([[0.9, 0.1]]), residual)[0] == pytest.approx(0.0)
    assert decode(np.array([[0.2, 0.8]]), residual)[0] == pytest.approx(-np.pi / 2)
