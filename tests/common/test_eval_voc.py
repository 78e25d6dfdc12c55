"""VOC AP: hand-worked 11-point and area values, difficult handling, the CLI."""

import json

import numpy as np
import pytest

from common.eval import voc
from common.eval.box_iou import box_iou
from common.voc import VocAnnotation, VocObject, write_annotation, write_image_set

# image 0: a cat and a difficult cat; image 1: a cat
GTS = [
    {"boxes": [[10, 10, 59, 59], [100, 100, 149, 149]], "labels": ["cat", "cat"],
     "difficult": [False, True]},
    {"boxes": [[20, 20, 79, 79]], "labels": ["cat"], "difficult": [False]},
]
# 0.9 hits the cat (TP), 0.8 hits it again (FP), 0.7 hits the difficult one (ignored),
# 0.6 hits image 1's cat (TP), 0.5 is on image 1's background (FP)
DETS = [
    {"boxes": [[10, 10, 59, 59], [11, 11, 59, 59], [100, 100, 149, 149]],
     "scores": [0.9, 0.8, 0.7], "labels": ["cat"] * 3},
    {"boxes": [[20, 20, 79, 79], [200, 200, 240, 240]], "scores": [0.6, 0.5],
     "labels": ["cat", "cat"]},
]


def test_hand_worked_area_and_11_point_ap():
    # counted detections: TP, FP, TP, FP over 2 non-difficult cats
    # recall .5 .5 1 1, precision 1 .5 2/3 .5
    # area: .5 * 1 + .5 * 2/3 = 5/6; 11-point: (6 * 1 + 5 * 2/3) / 11 = 28/33
    area = voc.evaluate(GTS, DETS, ["cat"])
    assert area["AP"]["cat"] == pytest.approx(100 * 5 / 6)
    assert area["mAP"] == pytest.approx(100 * 5 / 6)
    pt11 = voc.evaluate(GTS, DETS, ["cat"], use_07_metric=True)
    assert pt11["AP"]["cat"] == pytest.approx(100 * 28 / 33)


def test_voc_ap_definitions_on_a_curve():
    recall = np.array([0.2, 0.4, 0.4, 0.8])
    precision = np.array([1.0, 0.5, 0.4, 0.6])
    # area: envelope 1 on (0, .2], .6 on (.2, .8]: .2 + .6 * .6
    assert voc.voc_ap(recall, precision) == pytest.approx(0.2 + 0.36)
    # 11 points: t=0..0.2 -> 1 (3 points), t=.3..0.8 -> .6 (6 points), t=.9, 1 -> 0
    assert voc.voc_ap(recall, precision, use_07_metric=True) == pytest.approx((3 + 3.6) / 11)


def test_inclusive_pixel_iou_threshold():
    # 10 x 10 pixel boxes (1..10) shifted by 3 px: VOC IoU = 70 / 130 = 0.538 > 0.5 -> TP
    gts = [{"boxes": [[1, 1, 10, 10]], "labels": ["dog"], "difficult": [False]}]
    dets = [{"boxes": [[4, 1, 13, 10]], "scores": [1.0], "labels": ["dog"]}]
    assert voc.evaluate(gts, dets, ["dog"])["AP"]["dog"] == pytest.approx(100.0)
    # shifted by 4 px: 60 / 140 = 0.43 -> FP
    dets[0]["boxes"] = [[5, 1, 14, 10]]
    assert voc.evaluate(gts, dets, ["dog"])["AP"]["dog"] == 0.0


def test_iou_of_exactly_the_threshold_is_a_false_positive():
    # py-faster-rcnn voc_eval.py (and CenterNet's copy of it): `if ovmax > ovthresh` (strict);
    # the MATLAB devkit's VOCevaldet.m and mmdet's eval_map use >=, so they would count a TP.
    # VOC pixels: gt 1..10 x 1..10 = 10 * 10 = 100 px; detection 1..10 x 1..20 = 10 * 20 = 200 px
    # containing it: IoU = 100 / (200 + 100 - 100) = 0.5 exactly (in floating point too) -> FP
    gt = [np.array([[1.0, 1.0, 10.0, 10.0]])]
    det = [np.array([[1.0, 1.0, 10.0, 20.0]])]
    assert box_iou(det[0], gt[0], inclusive=True)[0, 0] == 0.5
    ap, recall, precision = voc.eval_class(gt, [np.zeros(1, bool)], det, [np.ones(1)])
    assert (ap, recall.tolist(), precision.tolist()) == (0.0, [0.0], [0.0])
    # one pixel shorter: 100 / 190 = 0.526 > 0.5 -> TP
    ap, _, _ = voc.eval_class(gt, [np.zeros(1, bool)], [det[0] - [0, 0, 0, 1]], [np.ones(1)])
    assert ap == 1.0


def test_class_without_objects_is_left_out_of_the_mean():
    r = voc.evaluate(GTS, DETS, ["cat", "dog"])
    assert r["AP"]["dog"] is None
    assert r["mAP"] == pytest.approx(r["AP"]["cat"])


def _write_voc(root, ids_objs):
    for fid, objs in ids_objs.items():
        write_annotation(root / "VOC2007" / "Annotations" / f"{fid}.xml",
                         VocAnnotation(f"{fid}.jpg", 300, 300, objs))
    write_image_set(root, "VOC2007", "test", list(ids_objs))


def test_cli_reads_devkit_result_files(tmp_path, capsys):
    _write_voc(tmp_path, {
        "000001": [VocObject("cat", (10, 10, 59, 59)),
                   VocObject("cat", (100, 100, 149, 149), difficult=True)],
        "000002": [VocObject("cat", (20, 20, 79, 79))],
    })
    dets = tmp_path / "results"
    dets.mkdir()
    (dets / "comp4_det_test_cat.txt").write_text(
        "000001 0.9 10 10 59 59\n000001 0.8 11 11 59 59\n000001 0.7 100 100 149 149\n"
        "000002 0.6 20 20 79 79\n000002 0.5 200 200 240 240\n")
    out = tmp_path / "voc.json"
    voc.main([str(tmp_path), str(dets), "--json", str(out)])
    result = json.loads(out.read_text())
    assert result["area"]["AP"]["cat"] == pytest.approx(100 * 5 / 6)
    assert result["voc07_11point"]["mAP"] == pytest.approx(100 * 28 / 33)
    assert result["area"]["AP"]["dog"] is None
    assert "mAP" in capsys.readouterr().out


def test_cli_bad_result_line_is_one_line_error(tmp_path):
    _write_voc(tmp_path, {"000001": [VocObject("cat", (10, 10, 59, 59))]})
    dets = tmp_path / "results"
    dets.mkdir()
    (dets / "comp4_det_test_cat.txt").write_text("000001 0.9 10 10 59\n")
    with pytest.raises(SystemExit) as e:
        voc.main([str(tmp_path), str(dets)])
    assert str(e.value).startswith("error: ") and ":1:" in str(e.value)


def test_cli_missing_detections_folder_is_an_error_not_zeros(tmp_path, capsys):
    _write_voc(tmp_path, {"000001": [VocObject("cat", (10, 10, 59, 59))]})
    missing, out = tmp_path / "no_such_results", tmp_path / "voc.json"
    with pytest.raises(SystemExit) as e:
        voc.main([str(tmp_path), str(missing), "--json", str(out)])
    assert str(e.value) == (f"error: {missing}: expected a folder of result files "
                            "*_{class}.txt, found nothing")
    assert capsys.readouterr().out == "" and not out.exists()


def test_cli_empty_detections_folder_warns_loudly(tmp_path, capsys):
    _write_voc(tmp_path, {"000001": [VocObject("cat", (10, 10, 59, 59))]})
    dets, out = tmp_path / "results", tmp_path / "voc.json"
    dets.mkdir()
    voc.main([str(tmp_path), str(dets), "--json", str(out)])
    captured = capsys.readouterr()
    assert captured.err == f"warning: no detections in {dets} for the 1 images: every AP is 0\n"
    assert json.loads(out.read_text())["voc07_11point"]["AP"]["cat"] == 0.0
