"""Evaluation glue (boxes to VOC pixels, perfect detections score 100), test and demo CLIs."""

import json

import numpy as np
import pytest
from PIL import Image

from centernet import demo, test
from centernet.data.datasets import VOC_TEST, DetectionSet
from common.coco import detections_to_coco


def _gt_as_results(dset, shift=0.0):
    res = []
    for s in dset.samples:
        res += detections_to_coco(np.full(len(s.boxes), s.image_id), s.boxes + shift,
                                  np.full(len(s.boxes), 0.9), s.labels, dset.category_ids)
    return res


def test_voc_style_converts_back_to_xml_pixels(tiny_voc):
    from common.voc import read_annotation

    dset = DetectionSet.voc(tiny_voc, VOC_TEST)
    gts, dets = test.voc_style(dset, _gt_as_results(dset), [s.image_id for s in dset.samples])
    xml = read_annotation(tiny_voc / "VOC2007" / "Annotations" / "000004.xml")
    np.testing.assert_allclose(gts[0]["boxes"], [o.bbox for o in xml.objects])
    np.testing.assert_allclose(dets[0]["boxes"], gts[0]["boxes"])


def test_perfect_detections_score_100_and_shifted_ones_less(tiny_voc):
    dset = DetectionSet.voc(tiny_voc, VOC_TEST)
    ids = [s.image_id for s in dset.samples]
    perfect = test.compute_metrics(dset, _gt_as_results(dset), "voc", ids)
    assert perfect["mAP@0.5"] == pytest.approx(100.0)
    # shifting every box by 15 px drops IoU (boxes are 20-40 px) below 0.5 for most objects
    assert test.compute_metrics(dset, _gt_as_results(dset, 15.0), "voc", ids)["mAP@0.5"] < 50
    coco = test.compute_metrics(dset, _gt_as_results(dset), "coco", ids)
    assert coco["AP"] == pytest.approx(100.0) and coco["AP50"] == pytest.approx(100.0)


def test_test_cli_writes_a_record(tiny_voc, tiny_checkpoint, tmp_path):
    out = tmp_path / "r.json"
    test.main(["--checkpoint", str(tiny_checkpoint), "--data-root", str(tiny_voc),
               "--flip", "--out", str(out)])
    rec = json.loads(out.read_text())
    assert rec["model"] == "CenterNet" and rec["config"] == "res18_64_flip"
    assert 0 <= rec["metrics"]["mAP@0.5"] <= 100 and rec["infer_ms_per_image"] > 0
    assert rec["task"] == "2d" and rec["params"] > 10_000_000
    assert (rec["dataset"], rec["split"]) == ("voc", "test") and rec["hardware"]  # VOC2007 test


@pytest.mark.parametrize("bad", ["0", "-64", "wide"])
def test_head_conv_must_be_a_positive_integer(bad, capsys):
    from centernet.train import parse_args

    with pytest.raises(SystemExit) as e:
        parse_args(["--data-root", "x", "--work-dir", "w", "--head-conv", bad])
    assert e.value.code == 2
    assert f"expected a positive integer, got {bad!r}" in capsys.readouterr().err


def test_non_official_heads_are_named_in_the_record_and_reload(tiny_voc, tmp_path):
    from centernet.train import main as train_main

    train_main(["--data-root", str(tiny_voc), "--work-dir", str(tmp_path / "w"), "--input-size",
                "64", "--batch-size", "2", "--epochs", "1", "--workers", "0",
                "--head-conv", "32", "--per-channel-up"])
    out = tmp_path / "r.json"
    test.main(["--checkpoint", str(tmp_path / "w" / "model_final.pth"), "--data-root",
               str(tiny_voc), "--out", str(out)])
    rec = json.loads(out.read_text())
    assert rec["config"] == "res18_64_hc32_pcup" and rec["paper"] is None


def test_skip_neck_is_named_in_the_record_and_reloads(tiny_voc, tmp_path, capsys):
    from centernet.train import main as train_main

    train_main(["--data-root", str(tiny_voc), "--work-dir", str(tmp_path / "w"), "--input-size",
                "64", "--batch-size", "2", "--epochs", "1", "--workers", "0", "--neck", "skip"])
    out = tmp_path / "r.json"
    test.main(["--checkpoint", str(tmp_path / "w" / "model_final.pth"), "--data-root",
               str(tiny_voc), "--out", str(out)])
    rec = json.loads(out.read_text())
    assert rec["config"] == "res18_64_skip" and rec["paper"] is None
    with pytest.raises(SystemExit):
        train_main(["--data-root", str(tiny_voc), "--work-dir", str(tmp_path / "d"),
                    "--arch", "dla34", "--neck", "skip"])
    assert "--neck skip is for res18; dla34 has its own skips" in capsys.readouterr().err


def test_demo_draws_boxes_and_heatmap(tiny_voc, tiny_checkpoint, tmp_path):
    img = tiny_voc / "VOC2007" / "JPEGImages" / "000004.png"
    demo.main([str(img), "--checkpoint", str(tiny_checkpoint), "--out", str(tmp_path),
               "--heatmap", "--threshold", "0"])
    boxes = np.asarray(Image.open(tmp_path / "000004.png"))
    heat = np.asarray(Image.open(tmp_path / "000004_heatmap.png"))
    assert boxes.shape[:2] == heat.shape[:2] and boxes.shape[2] in (3, 4)
    assert not np.array_equal(boxes, heat)


def test_heatmap_overlay_puts_a_peak_at_its_image_position():
    rgb = np.zeros((64, 64, 3), np.uint8)
    heat = np.zeros((1, 16, 16), np.float32)
    heat[0, 4, 8] = 1.0
    ov = demo.heatmap_overlay(rgb, heat, np.array([32.0, 32.0]), 64.0)
    # output cell (x 8, y 4) -> image ((8 - 8) * 4 + 32, (4 - 8) * 4 + 32) = (32, 16)
    y, x = np.unravel_index(np.argmax(ov[:, :, 0]), ov.shape[:2])
    assert (x, y) == (32, 16) and ov[16, 32, 0] == 255
    assert ov[40, 10].tolist() == [0, 0, 0]


def test_clis_give_one_line_errors(tmp_path):
    with pytest.raises(SystemExit, match="^error: .*no such"):
        test.main(["--checkpoint", str(tmp_path / "none.pth"), "--data-root", str(tmp_path)])
    with pytest.raises(SystemExit, match="^error: .*no such path"):
        demo.main([str(tmp_path / "x.png"), "--checkpoint", "none.pth"])


def test_predict_flip_and_multi_scale_keep_res():
    import torch

    from centernet.data.datasets import DATASET_STATS
    from centernet.models import build_model
    from centernet.predict import TestOptions, predict

    torch.manual_seed(0)
    model = build_model("res18", 3).eval()
    st = DATASET_STATS["voc"]
    img = np.random.default_rng(0).integers(0, 255, (48, 80, 3), dtype=np.uint8)
    one = predict(model, img, TestOptions(64, st["mean"], st["std"]), 3)
    assert one.shape == (100, 6) and np.all(np.diff(one[:, 4]) <= 0)
    multi, heat = predict(model, img, TestOptions(64, st["mean"], st["std"], flip=True,
                                                  scales=(0.5, 1.0), keep_res=True), 3,
                          return_heatmap=True)
    assert 0 < len(multi) <= 100 and np.all(np.diff(multi[:, 4]) <= 0)
    # first scale 0.5: 40 x 24 image padded to 64 x 32 -> 16 x 8 output map
    assert heat.shape == (3, 8, 16)


def test_diagnose_counts_every_test_object(tiny_voc, tiny_checkpoint, capsys):
    from centernet import diagnose
    from centernet.data.datasets import load_split

    r = diagnose.diagnose(str(tiny_checkpoint), str(tiny_voc))
    held_out = load_split("voc", tiny_voc, train=False)
    assert r["objects"] == sum(len(s.boxes) for s in held_out.samples)
    assert r["chance"] == 1 / 20 and 0 <= r["class_acc"] <= 1 and 0 <= r["recall@0.5"] <= 1
    diagnose.main(["--checkpoint", str(tiny_checkpoint), "--data-root", str(tiny_voc)])
    assert "class accuracy at centres" in capsys.readouterr().out
