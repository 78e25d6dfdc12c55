"""KITTI evaluator: hand-worked cases, the devkit oracle on random data, and the CLI."""

import json
import math

import numpy as np
import pytest
from kitti_devkit_reference import evaluate as devkit_evaluate
from kitti_devkit_reference import random_frames

from common.eval import kitti
from common.kitti import KittiObject, difficulty, write_label

ONE_OF_11 = 100 / 11  # AP11 of a curve whose only non-zero sample is at recall 0


def obj(name, bbox, score=None, occluded=0, truncated=0.0, alpha=0.0, loc=(0.0, 1.6, 20.0),
        dims=(1.5, 1.6, 3.9), ry=0.0):
    """One object as the arrays of common.kitti.objects_to_arrays (single row)."""
    return dict(name=name, bbox=bbox, score=0.0 if score is None else score, occluded=occluded,
                truncated=truncated, alpha=alpha, location=loc, dimensions=dims, rotation_y=ry)


def frame(*objs):
    keys = ("name", "bbox", "score", "occluded", "truncated", "alpha", "location", "dimensions",
            "rotation_y")
    out = {k: np.array([o[k] for o in objs]) for k in keys}
    if not objs:
        out.update(name=np.zeros(0, str), bbox=np.zeros((0, 4)), location=np.zeros((0, 3)),
                   dimensions=np.zeros((0, 3)))
    return out


def ap(result, cls="Car", metric="bbox", kind="AP11"):
    return np.array(result[cls][metric][kind])


def test_single_perfect_box_samples_only_recall_zero():
    # one ground truth -> one threshold -> precision 1 at sample 0 and 0 elsewhere: the devkit
    # gives AP11 = 1/11 and AP40 = 0 (sample 0 is not part of AP40)
    box = [100, 100, 200, 160]
    gt = [frame(obj("Car", box, alpha=0.0))]
    dt = [frame(obj("Car", box, score=0.9, alpha=math.pi / 2))]
    r = kitti.evaluate(gt, dt, classes=["Car"])
    np.testing.assert_allclose(ap(r), [ONE_OF_11] * 3)
    np.testing.assert_allclose(ap(r, kind="AP40"), [0, 0, 0])
    # orientation similarity (1 + cos(pi/2)) / 2 = 0.5
    np.testing.assert_allclose(ap(r, metric="aos"), [ONE_OF_11 / 2] * 3)
    np.testing.assert_allclose(ap(r, metric="bev"), [ONE_OF_11] * 3)
    np.testing.assert_allclose(ap(r, metric="3d"), [ONE_OF_11] * 3)


def test_hand_worked_ap11_and_ap40():
    # 4 cars, 4 true positives (0.9, 0.8, 0.6, 0.5) and a false positive at 0.7.
    # getThresholds keeps all four TP scores; precision at them: 1, 1, 3/4, 4/5;
    # after the running max from the right: 1, 1, 0.8, 0.8, then zeros.
    # AP11 = (p[0] + p[4] + ... + p[40]) / 11 = 1/11; AP40 = (p[1] + p[2] + p[3]) / 40 = 2.6/40
    boxes = [[100 * i, 100, 100 * i + 80, 160] for i in range(4)]
    gt = [frame(*[obj("Car", b) for b in boxes])]
    dets = [obj("Car", b, score=s) for b, s in zip(boxes, (0.9, 0.8, 0.6, 0.5), strict=True)]
    dets.append(obj("Car", [600, 300, 680, 360], score=0.7))
    r = kitti.evaluate(gt, [frame(*dets)], classes=["Car"], metrics=["bbox"])
    np.testing.assert_allclose(ap(r), [ONE_OF_11] * 3)
    np.testing.assert_allclose(ap(r, kind="AP40"), [2.6 / 40 * 100] * 3)


def test_forty_true_positives_give_ap40_of_39_of_40():
    # with 40 ground truths each TP is a threshold: precision 1 at samples 0..39, 0 at 40
    gt, dt = [], []
    for i in range(40):
        gt.append(frame(obj("Car", [10, 10, 90, 80])))
        dt.append(frame(obj("Car", [10, 10, 90, 80], score=1 - i / 100)))
    r = kitti.evaluate(gt, dt, classes=["Car"], metrics=["bbox"])
    np.testing.assert_allclose(ap(r), [1000 / 11] * 3)
    np.testing.assert_allclose(ap(r, kind="AP40"), [97.5] * 3)
    # with 80 the thresholds reach all 41 samples: 100 %
    r = kitti.evaluate(gt * 2, dt * 2, classes=["Car"], metrics=["bbox"])
    np.testing.assert_allclose(ap(r, kind="AP40"), [100.0] * 3)


def test_get_thresholds_follows_the_devkit():
    np.testing.assert_allclose(kitti.get_thresholds(np.array([0.5, 0.9, 0.6, 0.8]), 4),
                               [0.9, 0.8, 0.6, 0.5])
    # 80 ground truths: every other score is skipped after the first two
    scores = np.linspace(1, 0.21, 80)
    t = kitti.get_thresholds(scores, 80)
    assert len(t) == 41
    np.testing.assert_allclose(t[:4], [scores[0], scores[1], scores[3], scores[5]])


def test_occluded_box_is_ignored_in_easy_not_a_false_positive():
    clear, occluded = [100, 100, 200, 160], [300, 100, 400, 160]
    gt = [frame(obj("Car", clear), obj("Car", occluded, occluded=1))]
    dt = [frame(obj("Car", clear, score=0.8), obj("Car", occluded, score=0.9))]
    r = kitti.evaluate(gt, dt, classes=["Car"], metrics=["bbox"])
    # easy: 1 valid gt, the detection on the occluded car is neither TP nor FP -> precision 1.
    # moderate/hard: 2 gts, thresholds 0.9, 0.8 with precision 1, 1
    np.testing.assert_allclose(ap(r), [ONE_OF_11] * 3)
    np.testing.assert_allclose(ap(r, kind="AP40"), [0, 2.5, 2.5])
    # occlusion 2 is outside moderate too; 3 (unknown) outside every level
    gt[0]["occluded"][1] = 3
    r = kitti.evaluate(gt, dt, classes=["Car"], metrics=["bbox"])
    np.testing.assert_allclose(ap(r, kind="AP40"), [0, 0, 0])
    np.testing.assert_allclose(ap(r), [ONE_OF_11] * 3)


def test_truncation_and_height_limits():
    ok = obj("Pedestrian", [100, 100, 140, 160])  # 60 px tall
    small = obj("Pedestrian", [300, 100, 320, 130], truncated=0.0)  # 30 px: moderate, not easy
    trunc = obj("Pedestrian", [500, 100, 540, 160], truncated=0.4)  # hard only
    gt = [frame(ok, small, trunc)]
    dt = [frame(*[dict(o, score=0.9 - 0.1 * i) for i, o in enumerate((ok, small, trunc))])]
    r = kitti.evaluate(gt, dt, classes=["Pedestrian"], metrics=["bbox"])
    # easy: the 30 px detection is below 40 px (ignored), the truncated one matches an ignored
    # gt: 1 gt, 1 TP; moderate: 2 gts; hard: 3 gts, all TPs
    np.testing.assert_allclose(ap(r, "Pedestrian", kind="AP40"), [0, 2.5, 5.0])


def test_ground_truth_of_exactly_the_minimum_height_counts_as_in_the_devkit():
    # devkit cleanData ignores ground truth with height < MIN_HEIGHT; mmdet3d and
    # kitti-object-eval-python use <=. 60 frames, each with a found 60 px car and a missed car
    # exactly 25.00 px tall (moderate and hard, not easy):
    # easy: 60 gt, 60 TP -> AP11 100; moderate/hard: 120 gt, precision 1 up to recall 0.5 ->
    # samples 0..20 (recall 0, 0.1, ..., 0.5) -> AP11 6/11 = 54.55. mmdet3d ignores the
    # 25 px car everywhere: 100 / 100 / 100.
    found, missed = [100.0, 100.0, 200.0, 160.0], [300.0, 100.0, 340.0, 125.0]
    assert difficulty(missed[3] - missed[1], 0, 0.0) == 1  # exactly 25.00 px: moderate
    assert difficulty(40.0, 0, 0.0) == 0  # exactly 40.00 px: easy
    gt = [frame(obj("Car", found), obj("Car", missed)) for _ in range(60)]
    dt = [frame(obj("Car", found, score=0.9)) for _ in range(60)]
    r = kitti.evaluate(gt, dt, classes=["Car"], metrics=["bbox"])
    np.testing.assert_allclose(ap(r), [100, 600 / 11, 600 / 11])
    assert [round(v, 2) for v in ap(r)] == [100.0, 54.55, 54.55]
    ref = devkit_evaluate(gt, dt, ["Car"], ["bbox"], {("Car", "bbox"): 0.7})
    np.testing.assert_allclose(ap(r), ref["Car"]["bbox"]["AP11"])


def test_dontcare_discounts_false_positives_with_each_metrics_overlap():
    car = obj("Car", [100, 100, 200, 160], loc=(0.0, 1.6, 20.0))
    # KITTI's DontCare lines carry placeholder 3D fields (-1 size, -1000 location)
    dontcare = obj("DontCare", [400, 100, 500, 160], loc=(-1000.0, -1000.0, -1000.0),
                   dims=(-1.0, -1.0, -1.0), ry=-10.0, occluded=-1, truncated=-1.0)
    in_dc = obj("Car", [410, 110, 490, 150], score=0.95, loc=(5.0, 1.6, 20.0))
    gt = [frame(car, dontcare)]
    dt = [frame(dict(car, score=0.8), in_dc)]
    r = kitti.evaluate(gt, dt, classes=["Car"])
    # 2D: the detection inside the DontCare box is not a false positive -> precision 1
    np.testing.assert_allclose(ap(r, metric="bbox"), [ONE_OF_11] * 3)
    # BEV/3D: the devkit measures the DontCare region with the BEV/3D overlap, and the
    # placeholder box is far away: the detection stays a false positive -> precision 1/2
    np.testing.assert_allclose(ap(r, metric="bev"), [ONE_OF_11 / 2] * 3)
    np.testing.assert_allclose(ap(r, metric="3d"), [ONE_OF_11 / 2] * 3)
    # a DontCare label with a real 3D box around the detection discounts it in BEV/3D too
    gt[0]["location"][1] = (5.0, 1.6, 20.0)
    gt[0]["dimensions"][1] = (2.0, 3.0, 6.0)
    r = kitti.evaluate(gt, dt, classes=["Car"])
    np.testing.assert_allclose(ap(r, metric="bev"), [ONE_OF_11] * 3)
    np.testing.assert_allclose(ap(r, metric="3d"), [ONE_OF_11] * 3)


def test_neighbour_class_and_small_detections_are_not_false_positives():
    car, van = [100, 100, 200, 160], [300, 100, 400, 160]
    gt = [frame(obj("Car", car), obj("Van", van))]
    tiny = [600, 100, 630, 120]  # 20 px tall: below every level's minimum height
    dt = [frame(obj("Car", car, score=0.5), obj("Car", van, score=0.9),
                obj("Car", tiny, score=0.95))]
    r = kitti.evaluate(gt, dt, classes=["Car"], metrics=["bbox"])
    np.testing.assert_allclose(ap(r), [ONE_OF_11] * 3)
    # for the Van class Car detections count neither as TP nor FP: the Van is missed, AP 0
    r = kitti.evaluate(gt, dt, classes=["Van"], metrics=["bbox"])
    np.testing.assert_allclose(ap(r, "Van"), [0, 0, 0])


def test_aos_left_out_when_a_detection_has_no_orientation():
    box = [100, 100, 200, 160]
    r = kitti.evaluate([frame(obj("Car", box))], [frame(obj("Car", box, score=1, alpha=-10))],
                       classes=["Car"])
    assert "aos" not in r["Car"] and "bbox" in r["Car"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_frames_agree_with_the_devkit_oracle(seed):
    gts, dts = random_frames(np.random.default_rng(seed), 25)
    classes = ("Car", "Pedestrian", "Cyclist")
    for loose in (False, True):
        ours = kitti.evaluate(gts, dts, classes, loose=loose)
        overlaps = {(c, m): kitti.min_overlap(c, m, loose) for c in classes for m in kitti.METRICS}
        ref = devkit_evaluate(gts, dts, classes, kitti.METRICS, overlaps)
        assert max(v for c in classes for m in ours[c] for v in ours[c][m]["AP11"]) > 5
        for c in classes:
            for m in kitti.METRICS:
                for k in ("AP11", "AP40"):
                    np.testing.assert_allclose(ours[c][m][k], ref[c][m][k], atol=1e-6,
                                               err_msg=f"{c} {m} {k} loose={loose}")


def _label(name, bbox, score=None, occluded=0):
    return KittiObject(type=name, truncated=0.0, occluded=occluded, alpha=0.1,
                       bbox=np.array(bbox, float), dimensions=np.array([1.5, 1.6, 3.9]),
                       location=np.array([1.0, 1.6, 20.0]), rotation_y=0.15, score=score)


def test_cli_writes_json_in_the_documented_shape(tmp_path, capsys):
    gt_dir, pred_dir = tmp_path / "label_2", tmp_path / "pred"
    boxes = [[100 * i, 100, 100 * i + 80, 160] for i in range(4)]
    for i, b in enumerate(boxes):
        write_label(gt_dir / f"{i:06d}.txt", [_label("Car", b), _label("Pedestrian", b)])
        write_label(pred_dir / f"{i:06d}.txt", [_label("Car", b, score=0.9 - 0.1 * i)])
    (tmp_path / "val.txt").write_text("000000\n000001\n000002\n")
    out = tmp_path / "ap.json"
    kitti.main([str(tmp_path), str(pred_dir), "--split", str(tmp_path / "val.txt"),
                "--classes", "Car", "Pedestrian", "--json", str(out)])
    result = json.loads(out.read_text())
    assert list(result) == ["Car", "Pedestrian"]
    assert list(result["Car"]) == ["bbox", "aos", "bev", "3d"]
    # 3 frames of the split, 3 perfect cars: samples 0, 1, 2 at precision 1
    assert result["Car"]["bbox"] == {"AP11": [pytest.approx(ONE_OF_11)] * 3,
                                     "AP40": [pytest.approx(5.0)] * 3}
    assert result["Pedestrian"]["3d"]["AP40"] == [0, 0, 0]
    table = capsys.readouterr().out
    assert "Car" in table and "AP40" in table


def test_cli_reports_a_bad_result_file_in_one_line(tmp_path):
    gt_dir, pred_dir = tmp_path / "gt", tmp_path / "pred"
    write_label(gt_dir / "000000.txt", [_label("Car", [0, 0, 50, 50])])
    pred_dir.mkdir()
    (pred_dir / "000000.txt").write_text("Car 0 0 0.1 0 0 50 50 1.5 1.6\n")
    with pytest.raises(SystemExit) as e:
        kitti.main([str(gt_dir), str(pred_dir)])
    assert str(e.value).startswith("error: ") and "000000.txt" in str(e.value)


def test_cli_warns_loudly_on_an_empty_prediction_folder(tmp_path, capsys):
    gt_dir, pred_dir, out = tmp_path / "gt", tmp_path / "pred", tmp_path / "ap.json"
    write_label(gt_dir / "000000.txt", [_label("Car", [0, 0, 50, 50])])
    write_label(gt_dir / "000001.txt", [_label("Car", [0, 0, 50, 50])])
    pred_dir.mkdir()
    kitti.main([str(gt_dir), str(pred_dir), "--classes", "Car", "--json", str(out)])
    captured = capsys.readouterr()
    assert captured.err == (f"warning: no prediction files in {pred_dir} for the 2 frames: "
                            "every AP is 0\n")
    assert "Car" in captured.out  # still evaluates
    assert json.loads(out.read_text())["Car"]["bbox"]["AP11"] == [0, 0, 0]


def test_cli_missing_prediction_folder_is_an_error(tmp_path, capsys):
    gt_dir, out = tmp_path / "gt", tmp_path / "ap.json"
    write_label(gt_dir / "000000.txt", [_label("Car", [0, 0, 50, 50])])
    missing = tmp_path / "no_such_pred"
    with pytest.raises(SystemExit) as e:
        kitti.main([str(gt_dir), str(missing), "--json", str(out)])
    assert str(e.value) == (f"error: {missing}: expected a folder of KITTI label/result .txt "
                            "files")
    assert capsys.readouterr().out == "" and not out.exists()


def test_2d_only_detections_need_no_3d_fields_and_missing_arrays_are_named():
    box = [100, 100, 200, 160]
    gt = [frame(obj("Car", box))]
    dt = [{"name": np.array(["Car"]), "bbox": np.array([box], float), "score": np.ones(1)}]
    r = kitti.evaluate(gt, dt, classes=["Car"], metrics=["bbox", "aos"])
    np.testing.assert_allclose(ap(r), [ONE_OF_11] * 3)
    assert "aos" not in r["Car"]  # no alpha: no orientation, as alpha = -10 in a result file
    with pytest.raises(ValueError, match="detection frame 0 has no 'dimensions'"):
        kitti.evaluate(gt, dt, classes=["Car"], metrics=["bev"])


def test_flatten_result_names_every_class_metric_curve_and_level():
    result = {"Car": {"bbox": {"AP11": [90.0, 80.5, 70.25], "AP40": [np.float64(91.0), 81.0, 71.0]},
                      "3d": {"AP40": [10.0, 5.0, 2.5]}},
              "Cyclist": {"aos": {"AP11": [1.0, 2.0, 3.0]}}}
    flat = kitti.flatten_result(result)
    assert flat == {
        "Car/bbox/AP11/easy": 90.0, "Car/bbox/AP11/moderate": 80.5, "Car/bbox/AP11/hard": 70.25,
        "Car/bbox/AP40/easy": 91.0, "Car/bbox/AP40/moderate": 81.0, "Car/bbox/AP40/hard": 71.0,
        "Car/3d/AP40/easy": 10.0, "Car/3d/AP40/moderate": 5.0, "Car/3d/AP40/hard": 2.5,
        "Cyclist/aos/AP11/easy": 1.0, "Cyclist/aos/AP11/moderate": 2.0,
        "Cyclist/aos/AP11/hard": 3.0}
    assert all(type(v) is float for v in flat.values())
    with pytest.raises(ValueError):  # a curve without exactly the three levels
        kitti.flatten_result({"Car": {"bbox": {"AP40": [1.0, 2.0]}}})


def _perfect_frames(n: int, height: float = 30.0):
    """n frames of one Car each (height px tall: moderate and hard, not easy), each found exactly
    by a detection of score (i + 1) / n."""
    boxes = [[100.0, 100.0, 200.0, 100.0 + height]] * n
    gts = [frame(obj("Car", b)) for b in boxes]
    dts = [frame(obj("Car", b, score=(i + 1) / n)) for i, b in enumerate(boxes)]
    return gts, dts


def test_fewer_valid_ground_truths_than_recall_samples_cap_ap40_and_are_left_out():
    # 40 objects, all found: 40 thresholds for 41 samples, so AP40 is 39/40 of the perfect 100;
    # with 41 objects it is 100
    for n, expected in ((40, 97.5), (41, 100.0)):
        gts, dts = _perfect_frames(n)
        result = kitti.evaluate(gts, dts, classes=["Car"], metrics=["bbox"])
        assert ap(result, kind="AP40")[1] == pytest.approx(expected)
    counts = kitti.valid_gt_counts(_perfect_frames(40)[0], classes=["Car", "Pedestrian"])
    assert counts == {"Car": [0, 40, 40], "Pedestrian": [0, 0, 0]}
    assert kitti.na_note({"Car": [0, 41, 40]}) == (
        "n/a (fewer than 41 valid ground-truth objects): Car easy (0), Car hard (40)")
    assert kitti.na_note({"Car": [41, 41, 41]}) == ""
    flat = kitti.flatten_result(result, {"Car": [0, 41, 40]})
    assert sorted(flat) == ["Car/bbox/AP11/moderate", "Car/bbox/AP40/moderate"]
