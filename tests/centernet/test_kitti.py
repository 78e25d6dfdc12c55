"""KITTI through the COCO bridge: ignore regions in the targets, and the reproduce pipeline end
to end on three generated frames (train, detect, one KITTI result file per val frame, record)."""

import json
import math

import numpy as np
import pytest
import torch

from centernet import reproduce
from centernet.data.datasets import DetectionSet
from centernet.losses import ctdet_loss
from centernet.targets import build_targets
from common.kitti import read_label, read_split
from common.results import load_record
from common.synth.generate import generate

COCO = {"images": [{"id": 1, "file_name": "000001.png", "width": 64, "height": 64}],
        "categories": [{"id": 1, "name": "Car"}, {"id": 2, "name": "Pedestrian"}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 1, "bbox": [8, 8, 32, 32], "area": 1024,
             "iscrowd": 0, "ignore": 0},
            {"id": 2, "image_id": 1, "category_id": 2, "bbox": [40, 40, 16, 16], "area": 256,
             "iscrowd": 1, "ignore": 1},   # a DontCare region of common.kitti.coco
            {"id": 3, "image_id": 1, "category_id": 2, "bbox": [0, 40, 8, 16], "area": 128,
             "iscrowd": 1}]}               # a COCO crowd box: no ignore key, stays an object


def test_ignore_annotations_are_not_objects():
    s = DetectionSet(COCO, "imgs").samples[0]
    np.testing.assert_array_equal(s.boxes, [[8, 8, 40, 40], [0, 40, 8, 56]])
    np.testing.assert_array_equal(s.labels, [0, 1])
    np.testing.assert_array_equal(s.ignore_boxes, [[40, 40, 56, 56]])
    np.testing.assert_array_equal(s.ignore_labels, [1])


def test_ignore_region_target_is_a_near_one_peak_without_size():
    # On the 16x16 output: object (2, 2, 10, 10) of class 0 -> centre (6, 6); ignore region
    # (10, 10, 14, 14) of class 1: h = w = 4, official radius case 3:
    # (-11.2 + sqrt(125.44 + 53.76)) / 2 = 1.0933 -> 1, sigma 3/6, neighbour exp(-2) = 0.1353.
    t = build_targets(np.array([[2, 2, 10, 10]], np.float32), np.array([0]), 2, (16, 16),
                      ignore_boxes=np.array([[10, 10, 14, 14]], np.float32),
                      ignore_labels=np.array([1]))
    assert t["hm"][0, 6, 6] == 1.0
    assert t["hm"][1, 12, 12] == pytest.approx(0.9999)
    assert t["hm"][1, 12, 13] == pytest.approx(math.exp(-2), abs=1e-6)
    assert t["hm"][1, 12, 14] == 0.0
    assert t["reg_mask"].sum() == 1 and t["ind"][0] == 6 * 16 + 6
    np.testing.assert_allclose(t["wh"][0], [8, 8])
    # the focal loss counts one positive; a confident response at the ignore centre costs
    # (1 - 0.9999)^4 of a background pixel's: nothing
    batch = {k: torch.from_numpy(v)[None] for k, v in t.items()}
    logits = torch.full((1, 2, 16, 16), -8.0)
    out = {"hm": logits, "wh": torch.zeros(1, 2, 16, 16), "reg": torch.zeros(1, 2, 16, 16)}
    base = ctdet_loss(out, batch)[1]["hm_loss"].item()
    logits[0, 1, 12, 12] = 8.0
    assert ctdet_loss(out, batch)[1]["hm_loss"].item() == pytest.approx(base, abs=1e-6)
    logits[0, 1, 12, 12], logits[0, 1, 3, 3] = -8.0, 8.0
    assert ctdet_loss(out, batch)[1]["hm_loss"].item() > base + 1.0


@pytest.fixture(scope="module")
def synth_kitti(tmp_path_factory):
    root = tmp_path_factory.mktemp("synth_kitti")
    generate("kitti", root, num=3, progress=False)
    return root


def test_reproduce_kitti_end_to_end(synth_kitti, tmp_path, capsys):
    work = tmp_path / "w"
    argv = ["--dataset", "kitti", "--data-root", str(synth_kitti), "--work-dir", str(work),
            "--minutes", "0.02", "--input-size", "64x160", "--batch-size", "2",
            "--workers", "0"]
    reproduce.main(argv)
    val = read_split(synth_kitti / "ImageSets" / "val.txt")
    assert val and sorted(p.stem for p in (work / "kitti_results").iterdir()) == sorted(val)
    for fid in val:  # valid KITTI result lines: known class, 2D box, score, unknown 3D fields
        for o in read_label(work / "kitti_results" / f"{fid}.txt"):
            assert o.type in ("Car", "Pedestrian", "Cyclist") and o.score is not None
            assert o.alpha == -10 and o.bbox[2] >= o.bbox[0]
    coco = json.loads((work / "kitti" / "annotations" / "kitti_val.json").read_text())
    assert [i["kitti_id"] for i in coco["images"]] == val
    assert {p.name for p in synth_kitti.rglob("*.json")} == {"synth.json"}  # nothing added
    state = torch.load(work / "train" / "model_final.pth", weights_only=True)
    assert state["config"]["input_size"] == (64, 160) and state["config"]["data"] == "kitti"
    record = load_record(work / "results.json")
    assert (record.task, record.dataset, record.split) == ("2d", "synth-kitti", "val")
    assert record.config == "res18_64x160_skip"  # reproduce trains the skip neck
    assert 0 <= record.metrics["bbox_AP40_moderate"] <= 100
    # 3 frames hold far fewer than 41 valid objects per class and level: every cell is n/a
    assert not any(k.startswith("Car/bbox/") for k in record.metrics)
    assert "n/a (fewer than 41 valid ground-truth objects): Car easy (" in record.notes
    assert (work / "sample.png").exists()
    assert "bbox_AP40_moderate" in capsys.readouterr().out
    stamp = (work / "results.json").stat().st_mtime
    reproduce.main(argv)  # finished stages are reused
    assert (work / "results.json").stat().st_mtime == stamp


def test_reproduce_kitti_without_splits_is_a_one_line_error(tmp_path):
    with pytest.raises(SystemExit, match="error: .*ImageSets.*train.txt"):
        reproduce.main(["--dataset", "kitti", "--data-root", str(tmp_path),
                        "--work-dir", str(tmp_path / "w")])
