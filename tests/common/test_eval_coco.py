"""COCO metrics through pycocotools: a hand-checkable set, the CLI and its errors."""

import json
import subprocess
import sys

import pytest

from common.coco import coco_from_dict, save_coco
from common.eval import coco

GT = {
    "images": [{"id": 1, "width": 640, "height": 480}, {"id": 2, "width": 640, "height": 480}],
    "categories": [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}],
    "annotations": [
        # a large cat (200 x 200) and a medium dog (60 x 60) in image 1, a large cat in image 2
        {"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 10, 200, 200], "area": 40000,
         "iscrowd": 0},
        {"id": 2, "image_id": 1, "category_id": 2, "bbox": [300, 300, 60, 60], "area": 3600,
         "iscrowd": 0},
        {"id": 3, "image_id": 2, "category_id": 1, "bbox": [50, 50, 200, 200], "area": 40000,
         "iscrowd": 0},
    ],
}


def test_perfect_detections_score_100_and_missing_sizes_are_none():
    dets = [{"image_id": a["image_id"], "category_id": a["category_id"], "bbox": a["bbox"],
             "score": 0.9} for a in GT["annotations"]]
    r = coco.evaluate(coco_from_dict(GT), dets)
    assert r["AP"] == pytest.approx(100.0)
    assert r["APm"] == pytest.approx(100.0) and r["APl"] == pytest.approx(100.0)
    assert r["APs"] is None  # no small object


def test_shifted_box_passes_iou_half_but_not_075():
    # the second cat detected with IoU 0.6 (shift of 50 px along x): AP50 = 100 for cats.
    # AP75 for cats: precision 1 up to recall 0.5, i.e. at 51 of COCO's 101 recall points;
    # the dog scores 100 -> mean (100 + 100 * 51 / 101) / 2
    dets = [
        {"image_id": 1, "category_id": 1, "bbox": [10, 10, 200, 200], "score": 0.9},
        {"image_id": 1, "category_id": 2, "bbox": [300, 300, 60, 60], "score": 0.9},
        {"image_id": 2, "category_id": 1, "bbox": [100, 50, 200, 200], "score": 0.8},
    ]
    r = coco.evaluate(coco_from_dict(GT), dets)
    assert r["AP50"] == pytest.approx(100.0)
    assert r["AP75"] == pytest.approx((100 + 100 * 51 / 101) / 2)


def test_cli_and_bad_input(tmp_path, capsys):
    save_coco(tmp_path / "gt.json", GT)
    dets = [{"image_id": 1, "category_id": 2, "bbox": [300, 300, 60, 60], "score": 0.5}]
    (tmp_path / "dets.json").write_text(json.dumps(dets))
    coco.main([str(tmp_path / "gt.json"), str(tmp_path / "dets.json"), "--json",
               str(tmp_path / "m.json")])
    m = json.loads((tmp_path / "m.json").read_text())
    assert m["AP"] == pytest.approx(50.0)  # dog found, cat class missed
    assert "AP50" in capsys.readouterr().out
    (tmp_path / "bad.json").write_text(json.dumps([{"image_id": 1, "bbox": [0, 0, 1, 1]}]))
    with pytest.raises(SystemExit) as e:
        coco.main([str(tmp_path / "gt.json"), str(tmp_path / "bad.json")])
    assert str(e.value).startswith("error: ") and "category_id" in str(e.value)


def _exit_message(argv):
    with pytest.raises(SystemExit) as e:
        coco.main(argv)
    return str(e.value)


def test_cli_unknown_category_is_an_error_naming_id_and_file(tmp_path, capsys):
    # pycocotools would leave such records out of every metric without a word
    gt, dets, out = tmp_path / "gt.json", tmp_path / "dets.json", tmp_path / "m.json"
    save_coco(gt, GT)
    records = [{"image_id": 1, "category_id": 2, "bbox": [300, 300, 60, 60], "score": 0.5},
               {"image_id": 1, "category_id": 7, "bbox": [10, 10, 200, 200], "score": 0.9}]
    dets.write_text(json.dumps(records))
    with pytest.raises(ValueError, match=r"<detections>: .*got category_id 7$"):
        coco.evaluate(coco_from_dict(GT), records)
    assert _exit_message([str(gt), str(dets), "--json", str(out)]) == (
        f"error: {dets}: expected detection [1] to be of a category of the ground truth, "
        "got category_id 7")
    bad_gt = json.loads(json.dumps(GT))
    bad_gt["annotations"][2]["category_id"] = 3
    gt.write_text(json.dumps(bad_gt))
    assert _exit_message([str(gt), str(dets), "--json", str(out)]) == (
        f"error: {gt}: expected annotations[2].category_id to be the id of an entry of "
        "'categories', got 3")
    assert capsys.readouterr().out == "" and not out.exists()


def test_cli_folder_instead_of_json_is_a_one_line_error(tmp_path):
    save_coco(tmp_path / "gt.json", GT)
    (tmp_path / "dets.json").write_text("[]")
    folder = tmp_path / "results"
    folder.mkdir()
    for argv, named in (([folder, tmp_path / "dets.json"], "a COCO json file"),
                        ([tmp_path / "gt.json", folder], "a COCO results json file")):
        proc = subprocess.run([sys.executable, "-m", "common.eval.coco", *map(str, argv)],
                              capture_output=True, text=True)
        assert proc.returncode == 1 and proc.stdout == ""
        assert proc.stderr == f"error: {folder}: expected {named}, got a folder\n"


def test_cli_empty_detections_warn_loudly(tmp_path, capsys):
    save_coco(tmp_path / "gt.json", GT)
    (tmp_path / "dets.json").write_text("[]")
    coco.main([str(tmp_path / "gt.json"), str(tmp_path / "dets.json")])
    captured = capsys.readouterr()
    assert captured.err == f"warning: no detections in {tmp_path / 'dets.json'}: every AP is 0\n"
    assert captured.out.startswith("AP 0.00  AP50 0.00")
