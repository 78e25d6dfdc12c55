"""KITTI label_2 -> COCO json -> COCO detections -> KITTI result files, on hand-checked boxes."""

import json
import re

import numpy as np
import pytest
from PIL import Image

from common.coco import coco_from_dict, load_coco
from common.eval import coco as coco_eval
from common.kitti import read_label, write_split
from common.kitti.coco import coco_detections_to_kitti, kitti_to_coco, main

LABEL_1 = """\
Car 0.00 0 1.55 100.00 120.50 250.25 200.00 1.50 1.60 3.90 2.00 1.60 20.00 1.65
Pedestrian 0.40 1 0.10 300.00 150.00 330.00 180.00 1.70 0.60 0.80 -3.00 1.50 25.00 0.00
Van 0.00 0 -1.00 400.00 100.00 500.00 180.00 2.00 1.80 4.50 4.00 1.70 18.00 -1.20
DontCare -1 -1 -10 600.00 110.00 640.00 130.00 -1 -1 -1 -1000 -1000 -1000 -10
Misc 0.00 0 0.00 10.00 10.00 20.00 20.00 1.00 1.00 1.00 5.00 1.00 30.00 0.00
Cyclist 0.80 0 0.50 0.00 140.00 60.00 220.00 1.70 0.60 1.80 -8.00 1.60 12.00 -0.10
"""


@pytest.fixture
def root(tmp_path):
    """Two frames in 700x400 images: 000001 with the labels above, 000002 with none."""
    r = tmp_path / "kitti"
    for fid, text in (("000001", LABEL_1), ("000002", "")):
        (r / "training" / "label_2").mkdir(parents=True, exist_ok=True)
        (r / "training" / "image_2").mkdir(parents=True, exist_ok=True)
        (r / "training" / "label_2" / f"{fid}.txt").write_text(text)
        Image.new("RGB", (700, 400)).save(r / "training" / "image_2" / f"{fid}.png")
    write_split(r / "ImageSets" / "train.txt", [1, 2])
    return r


def test_kitti_to_coco_hand_checked(root):
    data = kitti_to_coco(root, ["000001", "000002"])
    assert data["categories"] == [{"id": 1, "name": "Car", "supercategory": "none"},
                                  {"id": 2, "name": "Pedestrian", "supercategory": "none"},
                                  {"id": 3, "name": "Cyclist", "supercategory": "none"}]
    assert data["images"] == [
        {"id": 1, "file_name": "000001.png", "width": 700, "height": 400, "kitti_id": "000001"},
        {"id": 2, "file_name": "000002.png", "width": 700, "height": 400, "kitti_id": "000002"}]
    anns = data["annotations"]
    # (category, bbox x y w h, iscrowd, difficulty, kitti type); Misc is dropped.
    got = [(a["category_id"], a["bbox"], a["iscrowd"], a["ignore"], a["kitti_difficulty"],
            a["kitti_type"]) for a in anns]
    assert got == [
        (1, [100.0, 120.5, 150.25, 79.5], 0, 0, 0, "Car"),  # 79.5 px tall, visible: easy
        (2, [300.0, 150.0, 30.0, 30.0], 0, 0, 2, "Pedestrian"),  # truncated 0.4 > 0.3: hard
        (1, [400.0, 100.0, 100.0, 80.0], 1, 1, -1, "Van"),  # neighbour of Car: ignored for Car
        (1, [600.0, 110.0, 40.0, 20.0], 1, 1, -1, "DontCare"),  # DontCare: once per class
        (2, [600.0, 110.0, 40.0, 20.0], 1, 1, -1, "DontCare"),
        (3, [600.0, 110.0, 40.0, 20.0], 1, 1, -1, "DontCare"),
        (3, [0.0, 140.0, 60.0, 80.0], 0, 0, -1, "Cyclist"),  # truncated 0.8 > 0.5: no level
    ]
    assert [a["id"] for a in anns] == list(range(1, 8))
    assert all(a["image_id"] == 1 for a in anns)
    assert anns[0]["area"] == 150.25 * 79.5
    assert (anns[1]["truncated"], anns[1]["occluded"]) == (0.4, 1)
    assert (anns[3]["truncated"], anns[3]["occluded"]) == (-1.0, -1)
    coco = coco_from_dict(data)
    assert coco.getAnnIds(imgIds=[1], iscrowd=False) == [1, 2, 7]
    assert coco.getAnnIds(imgIds=[2]) == []


def test_class_choice_and_no_ignore_regions(root):
    data = kitti_to_coco(root, "train", classes=("Car", "Van"), ignore_regions=False)
    assert [c["name"] for c in data["categories"]] == ["Car", "Van"]
    assert [(a["category_id"], a["kitti_type"], a["iscrowd"]) for a in data["annotations"]] == [
        (1, "Car", 0), (2, "Van", 0)]  # Van is a class here, no longer a neighbour region
    assert [i["kitti_id"] for i in data["images"]] == ["000001", "000002"]
    with pytest.raises(ValueError, match="unknown KITTI class 'Bus'"):
        kitti_to_coco(root, "train", classes=("Car", "Bus"))
    with pytest.raises(ValueError, match="unknown KITTI class 'DontCare'"):
        kitti_to_coco(root, "train", classes=("DontCare",))


def test_real_fixture_frame(kitti_fixture_root):
    data = kitti_to_coco(kitti_fixture_root, None)  # every image of image_2
    assert data["images"] == [{"id": 0, "file_name": "000000.png", "width": 1224,
                               "height": 370, "kitti_id": "000000"}]
    (ann,) = data["annotations"]
    # label_2/000000.txt: Pedestrian ... 712.40 143.00 810.73 307.92 ...
    assert ann["category_id"] == 2 and ann["kitti_type"] == "Pedestrian"
    assert ann["bbox"] == pytest.approx([712.40, 143.00, 98.33, 164.92], abs=1e-9)
    assert ann["area"] == pytest.approx(98.33 * 164.92, abs=1e-6)
    assert (ann["iscrowd"], ann["truncated"], ann["occluded"], ann["kitti_difficulty"]) == (
        0, 0.0, 0, 0)
    assert (kitti_fixture_root / "training" / "image_2" / data["images"][0]["file_name"]).is_file()


def test_detections_to_result_files(root, tmp_path):
    images = kitti_to_coco(root, "train")["images"]
    dets = [{"image_id": 1, "category_id": 1, "bbox": [100.0, 120.5, 150.25, 79.5], "score": 0.9},
            {"image_id": 1, "category_id": 3, "bbox": [0.0, 140.0, 60.0, 80.0], "score": 0.25}]
    paths = coco_detections_to_kitti(dets, images, tmp_path / "res", ("Car", "Pedestrian",
                                                                       "Cyclist"))
    assert paths == [tmp_path / "res" / "000001.txt", tmp_path / "res" / "000002.txt"]
    assert paths[0].read_text().splitlines() == [
        "Car -1.00 -1 -10.00 100.00 120.50 250.25 200.00 -1.00 -1.00 -1.00 "
        "-1000.00 -1000.00 -1000.00 -10.00 0.9000",
        "Cyclist -1.00 -1 -10.00 0.00 140.00 60.00 220.00 -1.00 -1.00 -1.00 "
        "-1000.00 -1000.00 -1000.00 -10.00 0.2500"]
    assert paths[1].read_text() == ""  # the devkit needs a file for every frame
    objs = read_label(paths[0])
    np.testing.assert_array_equal(objs[0].bbox, [100.0, 120.5, 250.25, 200.0])
    assert (objs[1].type, objs[1].score, objs[1].alpha, objs[1].occluded) == (
        "Cyclist", 0.25, -10.0, -1)
    with pytest.raises(ValueError, match=r"detection 0: category_id 4 outside 1\.\.3"):
        coco_detections_to_kitti([{**dets[0], "category_id": 4}], images, tmp_path / "x",
                                 ("Car", "Pedestrian", "Cyclist"))
    with pytest.raises(ValueError, match="detection 0: image_id 7 is not among the images"):
        coco_detections_to_kitti([{**dets[0], "image_id": 7}], images, tmp_path / "x", ("Car",))
    with pytest.raises(ValueError, match="detection 0: expected image_id, category_id, bbox"):
        coco_detections_to_kitti([{"image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4]}],
                                 images, tmp_path / "x", ("Car",))
    assert not (tmp_path / "x").exists()


def test_round_trip_label_to_coco_to_results(root, tmp_path):
    """Every COCO object box as a detection gives back the label's boxes, line for line."""
    data = kitti_to_coco(root, "train")
    classes = [c["name"] for c in data["categories"]]
    dets = [{"image_id": a["image_id"], "category_id": a["category_id"], "bbox": a["bbox"],
             "score": 0.5} for a in data["annotations"] if not a["iscrowd"]]
    coco_detections_to_kitti(dets, data["images"], tmp_path / "res", classes)
    labels = [o for o in read_label(root / "training" / "label_2" / "000001.txt")
              if o.type in classes]
    results = read_label(tmp_path / "res" / "000001.txt")
    assert [o.type for o in results] == [o.type for o in labels] == [
        "Car", "Pedestrian", "Cyclist"]
    for r, o in zip(results, labels, strict=True):
        np.testing.assert_array_equal(r.bbox, o.bbox)
        np.testing.assert_array_equal(r.location, [-1000.0] * 3)
        np.testing.assert_array_equal(r.dimensions, [-1.0] * 3)
        assert (r.rotation_y, r.score) == (-10.0, 0.5)
    assert read_label(tmp_path / "res" / "000002.txt") == []


def test_ignore_regions_in_cocoeval(root):
    """A Car detection on the Van and a Pedestrian on the DontCare region are not false
    positives with ignore regions; without them each is a higher-scored FP: AP 1.0 -> 0.5."""
    dets = [{"image_id": 1, "category_id": c, "bbox": b, "score": 0.5} for c, b in (
        (1, [100.0, 120.5, 150.25, 79.5]), (2, [300.0, 150.0, 30.0, 30.0]),
        (3, [0.0, 140.0, 60.0, 80.0]))]
    dets += [{"image_id": 1, "category_id": 1, "bbox": [400.0, 100.0, 100.0, 80.0], "score": 0.9},
             {"image_id": 1, "category_id": 2, "bbox": [605.0, 112.0, 20.0, 15.0], "score": 0.9}]
    with_regions = coco_from_dict(kitti_to_coco(root, "train"))
    assert coco_eval.evaluate(with_regions, dets)["AP"] == pytest.approx(100.0)
    without = coco_from_dict(kitti_to_coco(root, "train", ignore_regions=False))
    # Car 0.5, Pedestrian 0.5 (precision 1/2 at every recall), Cyclist 1.0
    assert coco_eval.evaluate(without, dets)["AP"] == pytest.approx(100.0 * 2 / 3)


def test_cli(root, tmp_path, capsys):
    out = tmp_path / "out" / "train.json"
    main([str(root), "--split", "train", "--out", str(out), "--classes", "Car", "Cyclist"])
    assert "2 images, 2 objects, 3 ignore regions" in capsys.readouterr().out
    data = json.loads(out.read_text())
    assert load_coco(out).getCatIds() == [1, 2]
    assert [(a["category_id"], a["bbox"]) for a in data["annotations"] if not a["iscrowd"]] == [
        (1, [100.0, 120.5, 150.25, 79.5]), (2, [0.0, 140.0, 60.0, 80.0])]


@pytest.mark.parametrize("args, code, message", [  # code 1: sys.exit(message), 2: argparse
    (["--split", "val"], 1, r"^error: .*ImageSets/val\.txt: expected a split file of frame ids, "
                            r"found no such file$"),
    (["--split", "train", "--classes", "Car", "Bus"], 2,
     r"error: unknown KITTI class 'Bus', expected some of Car, Van, Truck"),
    (["--split", "all", "--subset", "testing"], 1,
     r"^error: .*testing/image_2: expected a KITTI image_2 folder, found none$"),
])
def test_cli_errors(root, tmp_path, capsys, args, code, message):
    with pytest.raises(SystemExit) as e:
        main([str(root), "--out", str(tmp_path / "o.json"), *args])
    if code == 2:  # argparse usage error
        assert e.value.code == 2
        text = capsys.readouterr().err.strip().splitlines()[-1]
    else:  # sys.exit("error: ...") exits with status 1
        text = e.value.code
    assert re.search(message, text), text
    assert not (tmp_path / "o.json").exists()


def test_cli_help(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--help"])
    assert e.value.code == 0
    assert "--no-ignore-regions" in capsys.readouterr().out
