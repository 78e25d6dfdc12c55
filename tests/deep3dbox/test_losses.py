"""Losses on hand-checked numbers."""

import numpy as np
import pytest

from deep3dbox.losses import ConfidenceLoss, OrientationLoss, make_losses


def _np(x):
    return np.asarray(x, dtype=np.float32)


def test_orientation_cos_loss_is_minus_mean_cos_over_covering_bins():
    # sample 0: one covering bin, target angle 1.0, prediction 0.0 -> -cos(1)
    # sample 1: two covering bins, residuals +pi/2 / -pi/2, predictions off by 0.3 and 0.0
    t = _np([[[np.cos(1.0), np.sin(1.0)], [0, 0]], [[0, 1], [0, -1]]])
    p = _np([[[1, 0], [0.6, 0.8]], [[np.cos(np.pi / 2 - 0.3), np.sin(np.pi / 2 - 0.3)], [0, -1]]])
    per_sample = np.asarray(OrientationLoss("cos").call(t, p))
    np.testing.assert_allclose(per_sample, [-np.cos(1.0), -(np.cos(0.3) + 1) / 2], rtol=1e-6)
    # the reduced loss is the batch mean
    assert float(OrientationLoss("cos")(t, p)) == pytest.approx(per_sample.mean(), rel=1e-6)


def test_orientation_l2_and_cosine_similarity_variants():
    t = _np([[[np.cos(1.0), np.sin(1.0)], [0, 0]]])
    p = _np([[[2, 0], [5, 5]]])  # unnormalised prediction, second bin not covering
    # l2: |(cos1 - 2, sin1)|^2 = (cos1 - 2)^2 + sin1^2 = 5 - 4 cos1
    l2 = float(np.asarray(OrientationLoss("l2").call(t, p))[0])
    assert l2 == pytest.approx(5 - 4 * np.cos(1.0), rel=1e-6)
    # cosine similarity ignores the prediction's length: -cos(1)
    cs = float(np.asarray(OrientationLoss("cosine_similarity").call(t, p))[0])
    assert cs == pytest.approx(-np.cos(1.0), rel=1e-6)
    with pytest.raises(ValueError):
        OrientationLoss("huber")


def test_confidence_cross_entropy_hand_checked_and_stable():
    t = _np([[1, 0], [0.5, 0.5]])
    logits = _np([[2.0, 0.0], [0.0, 1.0]])
    ce = np.asarray(ConfidenceLoss().call(t, logits))
    log_sm0 = 2.0 - np.log(np.exp(2.0) + 1.0)
    log_sm1 = np.array([0.0, 1.0]) - np.log(1.0 + np.e)
    np.testing.assert_allclose(ce, [-log_sm0, -log_sm1.mean()], rtol=1e-6)
    # huge logits: naive softmax then log would give inf/nan
    big = np.asarray(ConfidenceLoss().call(_np([[0, 1]]), _np([[1000.0, -1000.0]])))
    assert np.isfinite(big).all() and big[0] == pytest.approx(2000.0)


def test_dimension_loss_is_mse():
    dim = make_losses()["dimensions"]
    assert float(dim(_np([[0.1, -0.2, 0.3]]), _np([[0, 0, 0]]))) == pytest.approx(
        (0.01 + 0.04 + 0.09) / 3, rel=1e-6)
