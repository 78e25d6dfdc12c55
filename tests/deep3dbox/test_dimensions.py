"""Dimension targets: class statistics, metres vs normalised residuals, hand-checked."""

from types import SimpleNamespace

import numpy as np

from deep3dbox import dimensions
from deep3dbox.data import Crop, encode_targets
from deep3dbox.dimensions import MIN_STD, class_dimension_stats


def _frames(labels: dict[str, list[tuple[str, list[float]]]]):
    """A stand-in for KittiFrameSet: ids and label(fid) -> objects with type and dimensions."""
    return SimpleNamespace(ids=list(labels), label=lambda fid: [
        SimpleNamespace(type=t, dimensions=np.array(d)) for t, d in labels[fid]])


def test_class_stats_are_per_axis_mean_and_std_with_a_floor():
    frames = _frames({"0": [("Car", [1.4, 1.6, 3.6]), ("Pedestrian", [1.8, 0.6, 0.9])],
                      "1": [("Car", [1.6, 1.8, 4.4]), ("Tram", [3.0, 2.5, 15.0])]})
    means, stds = class_dimension_stats(frames, ["Car", "Pedestrian", "Van"])
    assert list(means) == list(stds) == ["Car", "Pedestrian"]  # no Van labelled, Tram not asked
    np.testing.assert_allclose(means["Car"], [1.5, 1.7, 4.0])
    np.testing.assert_allclose(stds["Car"], [0.1, 0.1, 0.4])  # population std of two values
    np.testing.assert_allclose(stds["Pedestrian"], [MIN_STD] * 3)  # one object: std 0, floored


def test_normalised_targets_are_residuals_in_class_stds_and_decode_back():
    crops = [Crop("0", (0, 0, 10, 10), "Car", (1.7, 1.6, 4.8), 0.3),
             Crop("0", (0, 0, 10, 10), "Pedestrian", (1.8, 0.6, 0.9), 0.3)]
    means = {"Car": [1.5, 1.7, 4.0], "Pedestrian": [1.8, 0.5, 1.0]}
    stds = {"Car": [0.1, 0.1, 0.4], "Pedestrian": [0.05, 0.05, 0.05]}
    metres = encode_targets(crops, means, 2, 0.1)["dimensions"]
    np.testing.assert_allclose(metres, [[0.2, -0.1, 0.8], [0.0, 0.1, -0.1]], atol=1e-6)
    normalised = encode_targets(crops, means, 2, 0.1, scales=stds)["dimensions"]
    np.testing.assert_allclose(normalised, [[2.0, -1.0, 2.0], [0.0, 2.0, -2.0]], atol=1e-5)
    mean_rows = [means[c.cls] for c in crops]
    scale_rows = [stds[c.cls] for c in crops]
    np.testing.assert_allclose(dimensions.decode(normalised, mean_rows, scale_rows),
                               [c.dimensions for c in crops], atol=1e-6)
    np.testing.assert_allclose(dimensions.decode(metres, mean_rows), [c.dimensions for c in crops],
                               atol=1e-6)
    # an output of 0 is the class mean either way
    np.testing.assert_allclose(dimensions.decode(np.zeros((2, 3)), mean_rows, scale_rows),
                               mean_rows)
