"""Per-class errors of matched boxes and their record metric names, on hand-checked numbers."""

import numpy as np
import pytest

from common.kitti import KittiObject, objects_to_arrays
from deep3dbox import test as d3test


def _obj(cls, bbox, alpha, dims, loc, ry):
    return KittiObject(cls, 0.0, 0, alpha, bbox, np.array(dims), np.array(loc), ry, 1.0)


BOX, OTHER = (100.0, 100.0, 200.0, 200.0), (400.0, 100.0, 500.0, 200.0)


@pytest.fixture
def two_frames():
    gts = [[_obj("Car", BOX, 0.1, [1.5, 1.6, 4.0], [0, 1.7, 10], 0.0)],
           [_obj("Car", BOX, 1.0, [1.7, 1.8, 4.4], [0, 1.7, 20], 1.0),
            _obj("Pedestrian", OTHER, 0.0, [1.8, 0.6, 0.9], [5, 1.7, 20], 0.0)]]
    dts = [[_obj("Car", BOX, 0.3, [1.6, 1.6, 3.8], [0.4, 1.7, 10], 0.2)],
           [_obj("Car", BOX, 0.5, [1.5, 1.7, 4.0], [0, 1.7, 20], 0.5),
            _obj("Car", OTHER, 0.0, [1.5, 1.7, 4.0], [5, 1.7, 20], 0.0),  # no Car there
            _obj("Pedestrian", OTHER, 0.0, [1.8, 0.6, 0.9], [5, 1.7, 20], 0.0)]]
    return [objects_to_arrays(f) for f in gts], [objects_to_arrays(f) for f in dts]


def test_dimension_yaw_and_box_errors_of_matched_cars(two_frames):
    errors = d3test.matched_errors(*two_frames, ["Car", "Pedestrian"],
                                   means={"Car": [1.5, 1.7, 4.0]})
    car = errors["Car"]
    assert car["count"] == 2  # the Car predicted on the pedestrian's box matches nothing
    # |dt - gt|: (0.1, 0, 0.2) and (0.2, 0.1, 0.4); the class mean's: (0, 0.1, 0), (0.2, 0.1, 0.4)
    np.testing.assert_allclose(car["dims_abs_err_m"], [0.15, 0.05, 0.3], atol=1e-9)
    np.testing.assert_allclose(car["dims_abs_err_baseline_m"], [0.1, 0.1, 0.2], atol=1e-9)
    # yaw errors 0.2 and 0.5 rad: the median of two is their mean
    assert car["yaw_median_err_deg"] == pytest.approx(np.degrees(0.35))
    assert car["alpha_error_deg"] == pytest.approx(np.degrees(0.35))
    # centres: (0, 0.95, 10) vs (0.4, 0.9, 10), and 0.85 vs 0.95 in y at the same spot
    assert car["centre_err_m"] == pytest.approx((np.hypot(0.4, 0.05) + 0.1) / 2)
    assert car["location_error_m"] == pytest.approx(0.2)
    assert 0 < car["iou3d_mean"] < 1 and car["closest_point_err_m"] > 0
    # a perfect prediction, and no class mean to compare with
    ped = errors["Pedestrian"]
    assert ped["iou3d_mean"] == pytest.approx(1.0) and ped["centre_err_m"] == 0
    assert ped["closest_point_err_m"] == 0 and "dims_abs_err_baseline_m" not in ped


def test_record_metrics_name_each_axis(two_frames):
    errors = d3test.matched_errors(*two_frames, ["Car"], means={"Car": [1.5, 1.7, 4.0]})
    metrics = d3test.flatten({}, errors)
    assert metrics["Car/dims_abs_err_m/l"] == pytest.approx(0.3)
    assert metrics["Car/dims_abs_err_baseline_m/w"] == pytest.approx(0.1)
    assert metrics["Car/yaw_median_err_deg"] == pytest.approx(np.degrees(0.35))
    assert {"Car/centre_err_m", "Car/closest_point_err_m", "Car/iou3d_mean",
            "Car/orientation_score"} <= metrics.keys()
    assert "Car/count" not in metrics


def test_record_leaves_out_cells_with_too_few_valid_objects():
    ap = {"Car": {"3d": {"AP11": [50.0, 40.0, 30.0], "AP40": [52.0, 41.0, 31.0]}}}
    counts = {"Car": [40, 41, 120]}  # easy below MIN_VALID_GT = 41: AP40 capped, left out
    report = {"ap": ap, "errors": {}, "infer_ms_per_image": 1.0, "valid_gt_counts": counts}
    meta = {"input_size": 32, "num_bins": 2}
    record = d3test.report_record(report, meta, dataset="synth-kitti", split="val",
                                  notes="ground-truth 2D boxes")
    assert "Car/3d/AP40/easy" not in record.metrics and "Car/3d/AP11/easy" not in record.metrics
    assert record.metrics["Car/3d/AP40/moderate"] == 41.0
    assert record.metrics["Car/3d/AP11/hard"] == 30.0
    assert record.notes == ("ground-truth 2D boxes; n/a (fewer than 41 valid ground-truth "
                            "objects): Car easy (40)")


def test_config_name_says_batch_norm_and_letterbox():
    meta = {"input_size": 32, "num_bins": 2}
    assert d3test.config_name(meta) == "vgg16-32px-bins2"
    meta.update(crop_mode="letterbox", train_args={"batch_norm": True})
    assert d3test.config_name(meta) == "vgg16_bn-32px-letterbox-bins2"


def test_moderate_errors_keep_only_the_boxes_the_devkit_counts_at_moderate():
    """Frame: a car counted at moderate (24.99 px is not: height < 25; occluded 2 and truncated
    0.31 are not either); the moderate errors are those of the first car alone."""
    def car(box, trunc, occ, dims):
        return KittiObject("Car", trunc, occ, 0.0, box, np.array(dims), np.array([0, 1.7, 10]),
                           0.0, 1.0)

    boxes = [(0, 100, 50, 125.0), (100, 100, 150, 124.99), (200, 100, 250, 150),
             (300, 100, 350, 150), (400, 100, 450, 150)]
    gt = [car(boxes[0], 0.3, 1, [1.5, 1.6, 4.0]), car(boxes[1], 0.0, 0, [1.5, 1.6, 4.0]),
          car(boxes[2], 0.0, 2, [1.5, 1.6, 4.0]), car(boxes[3], 0.31, 0, [1.5, 1.6, 4.0]),
          car(boxes[4], 0.0, 0, [1.5, 1.6, 4.0])]
    dt = [car(b, 0.0, 0, [1.6, 1.6, 4.0] if i == 0 else [1.5, 1.6, 3.0])
          for i, b in enumerate(boxes)]
    gts, dts = [objects_to_arrays(gt)], [objects_to_arrays(dt)]
    every = d3test.matched_errors(gts, dts, ["Car"])["Car"]
    assert every["count"] == 5
    moderate = d3test.matched_errors(gts, dts, ["Car"], level=1)["Car"]
    # the first car (25 px, occluded 1, truncated 0.3: the moderate limits, inclusive) and the
    # last (50 px, fully visible) count; the three between do not
    assert moderate["count"] == 2
    np.testing.assert_allclose(moderate["dims_abs_err_m"], [0.05, 0, 0.5], atol=1e-9)
    assert d3test.matched_errors(gts, dts, ["Car"], level=0)["Car"]["count"] == 1  # 50 px only
    metrics = d3test.flatten({}, {"Car": every}, None, {"Car": moderate})
    assert metrics["Car/moderate/dims_abs_err_m/l"] == pytest.approx(0.5)
    assert metrics["Car/dims_abs_err_m/l"] == pytest.approx(0.8)
