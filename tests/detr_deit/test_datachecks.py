"""Pre-flight data checks of detr_deit.train / detr_deit.test: annotations of categories outside
the config's classes are counted and reported (CocoDataset drops them silently), an image the
pipeline cannot decode is a one-line error naming it (it was an assertion inside mmcv)."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from conftest import write_scannet
from PIL import Image

from common.errors import DataFormatError
from detr_deit import CONFIG_DIR
from detr_deit.datachecks import check_datasets, check_image, image_ends_complete

CONFIG = str(CONFIG_DIR / "detr_deit-tiny_cpu-1xb4_synth-scannet.py")


def _image_bytes(fmt: str) -> bytes:
    rng = np.random.default_rng(0)
    out = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (48, 64, 3)).astype(np.uint8)).save(out, format=fmt)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_truncated_images_are_found_and_named(tmp_path, fmt):
    data = _image_bytes(fmt)
    good, cut, padded = (tmp_path / f"{n}.{fmt.lower()}" for n in ("good", "cut", "padded"))
    good.write_bytes(data)
    cut.write_bytes(data[: len(data) * 2 // 3])
    padded.write_bytes(data + b"trailing bytes some cameras append")
    assert image_ends_complete(good) and not image_ends_complete(cut)
    check_image(good, tmp_path / "ann.json")
    check_image(padded, tmp_path / "ann.json")  # does not end as usual, but decodes: fine
    with pytest.raises(DataFormatError) as e:
        check_image(cut, tmp_path / "ann.json")
    assert str(e.value) == (f"{cut}: expected a readable image (listed in {tmp_path / 'ann.json'})"
                            ", got a truncated or damaged file that mmcv cannot decode")
    with pytest.raises(DataFormatError, match="found no such file"):
        check_image(tmp_path / "gone.jpg", tmp_path / "ann.json")


@pytest.fixture
def own_scannet(tmp_path, monkeypatch):
    """A fresh copy of the tiny frames (the tests damage it), read by the CPU config."""
    from detr_deit.prepare import prepare_scannet

    root = write_scannet(tmp_path / "scannet")
    prepare_scannet(root)
    monkeypatch.setenv("SYNTH_SCANNET_ROOT", f"{root}/")
    return root


def _add_unknown_annotations(ann_path):
    """Two boxes of a category named outside the classes (blinds), one of an unlisted id."""
    data = json.loads(ann_path.read_text())
    data["categories"].append({"id": 99, "name": "blinds"})
    next_id = max(a["id"] for a in data["annotations"]) + 1
    known = len(data["annotations"])
    for k, cat in enumerate((99, 99, 1234)):
        data["annotations"].append({"id": next_id + k, "image_id": data["images"][0]["id"],
                                    "category_id": cat, "bbox": [2.0, 2.0, 20.0, 20.0],
                                    "area": 400.0, "iscrowd": 0})
    ann_path.write_text(json.dumps(data))
    return known


def test_unknown_categories_are_reported_and_really_left_out(own_scannet):
    from mmdet.registry import DATASETS
    from mmengine.registry import init_default_scope

    from common.openmmlab import load_config

    ann = own_scannet / "annotations" / "train.json"
    known = _add_unknown_annotations(ann)
    cfg = load_config(CONFIG, CONFIG_DIR)
    notes = []
    check_datasets(cfg, ("train", "val"), report=notes.append)
    assert notes == [f"note: {ann}: 3 annotations of category ids [99 (blinds), 1234] not in "
                     "the config's classes are left out"]
    init_default_scope("mmdet")
    ds_cfg = cfg.train_dataloader.dataset.copy()
    ds_cfg.pipeline = []
    dataset = DATASETS.build(ds_cfg)
    kept = sum(len(dataset.get_data_info(i)["instances"]) for i in range(len(dataset)))
    assert kept == known  # what the note says: mmdet dropped exactly those 3


def test_train_stops_on_a_truncated_image_in_one_line(own_scannet, tmp_path, capsys):
    from detr_deit.train import main as train_main

    ann = own_scannet / "annotations" / "train.json"
    _add_unknown_annotations(ann)
    image = own_scannet / json.loads(ann.read_text())["images"][1]["file_name"]
    image.write_bytes(image.read_bytes()[:600])
    work = tmp_path / "work"
    with pytest.raises(SystemExit) as e:
        train_main([CONFIG, "--work-dir", str(work), "--cfg-options",
                    "model.backbone.arch.num_layers=1"])
    assert e.value.code == (f"error: {image}: expected a readable image (listed in {ann}), got "
                            "a truncated or damaged file that mmcv cannot decode")
    assert f"note: {ann}: 3 annotations of category ids" in capsys.readouterr().out
    assert not work.exists()
