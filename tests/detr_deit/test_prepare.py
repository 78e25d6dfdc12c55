"""ScanNet / VOC -> COCO json for the configs: the expected boxes."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from common.scannet import INSTANCE_DIVISOR, read_png16


def load(path):
    return json.loads(path.read_text())


def test_scannet_boxes_of_the_hand_made_frames(scannet_root):
    train = load(scannet_root / "annotations" / "train.json")
    files = {im["id"]: im["file_name"] for im in train["images"]}
    assert sorted(files.values()) == ["scene0000_00/color/0.jpg", "scene0000_00/color/100.jpg"]
    boxes = sorted((files[a["image_id"]], a["category_id"], a["bbox"])
                   for a in train["annotations"])
    # chair = category 5, table = 7 (1-based ScanNet-20 order); the 25-pixel picture and the
    # blinds (not a ScanNet-20 class) are gone; boxes are [x, y, w, h] of the painted rectangles
    assert boxes == [("scene0000_00/color/0.jpg", 5, [10.0, 20.0, 30.0, 40.0]),
                     ("scene0000_00/color/0.jpg", 7, [60.0, 50.0, 50.0, 40.0]),
                     ("scene0000_00/color/100.jpg", 5, [30.0, 10.0, 40.0, 40.0])]
    assert [c["name"] for c in train["categories"]][4:7] == ["chair", "sofa", "table"]
    val = load(scannet_root / "annotations" / "val.json")
    assert [a["bbox"] for a in val["annotations"]] == [[20.0, 30.0, 80.0, 50.0]]


def test_scannet_boxes_of_synthetic_frames_enclose_their_masks(tmp_path):
    """common.synth frames: each box is the extent of one instance in the instance PNG."""
    from common.synth.generate import generate
    from detr_deit.prepare import prepare_scannet

    generate("scannet", tmp_path, num=4, seed=3, progress=False)
    paths = prepare_scannet(tmp_path, splits=("train",))
    coco = load(paths["train"])
    assert coco["annotations"]
    for im in coco["images"]:
        inst = read_png16(tmp_path / im["file_name"].replace("color", "instance")
                          .replace(".jpg", ".png"))
        anns = [a for a in coco["annotations"] if a["image_id"] == im["id"]]
        extents = []
        for value in np.unique(inst[inst % INSTANCE_DIVISOR > 0]):
            ys, xs = np.nonzero(inst == value)
            extents.append([xs.min(), ys.min(), xs.max() + 1 - xs.min(), ys.max() + 1 - ys.min()])
        for a in anns:
            assert a["bbox"] in extents  # one instance's exact pixel extent
            assert a["area"] >= 100  # prepare_scannet's default min_area


def test_voc_difficult_becomes_crowd(voc_root):
    trainval = load(voc_root / "annotations" / "voc0712_trainval.json")
    assert len(trainval["images"]) == 2  # VOC2007 + VOC2012 trainval
    dog = next(a for a in trainval["annotations"] if a["category_id"] == 12)
    assert dog["bbox"] == [10.0, 20.0, 40.0, 40.0]  # 1-based inclusive (11, 21, 50, 60)
    person = next(a for a in trainval["annotations"] if a["category_id"] == 15)
    assert person["difficult"] == 1 and person["iscrowd"] == 1  # ignored, as VOCDataset does
    assert dog["iscrowd"] == 0
    test = load(voc_root / "annotations" / "voc07_test.json")
    assert test["images"][0]["file_name"] == "VOC2007/JPEGImages/000001.jpg"


def test_command_has_one_subcommand_per_dataset(voc_root, tmp_path, capsys):
    from detr_deit.prepare import main

    for dataset, option in (("scannet", "--min-area"), ("voc", "--keep-difficult")):
        with pytest.raises(SystemExit) as e:
            main([dataset, "--help"])
        assert e.value.code == 0 and option in capsys.readouterr().out
    voc = shutil.copytree(voc_root, tmp_path / "voc")
    main(["voc", str(voc), "--keep-difficult"])
    trainval = load(voc / "annotations" / "voc0712_trainval.json")
    assert len(trainval["images"]) == 2
    assert not any(a["iscrowd"] for a in trainval["annotations"])  # difficult kept as boxes
    with pytest.raises(SystemExit, match=f"^error: {tmp_path / 'none'}"):
        main(["scannet", str(tmp_path / "none")])
