"""COCO json through pycocotools: checked load, atomic save, detections."""

import json

import pytest

from common.coco import detections_to_coco, load_coco, save_coco
from common.errors import DataFormatError

DATA = {
    "images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 80},
               {"id": 2, "file_name": "b.jpg", "width": 100, "height": 80}],
    "annotations": [
        {"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 10, 20, 30], "area": 600,
         "iscrowd": 0},
        {"id": 2, "image_id": 2, "category_id": 2, "bbox": [0, 0, 50, 40], "area": 2000,
         "iscrowd": 0},
    ],
    "categories": [{"id": 1, "name": "car"}, {"id": 2, "name": "person"}],
}


def test_save_load_round_trip(tmp_path):
    save_coco(tmp_path / "a.json", DATA)
    assert json.loads((tmp_path / "a.json").read_text()) == DATA
    coco = load_coco(tmp_path / "a.json")
    assert coco.getImgIds() == [1, 2]
    assert coco.getAnnIds(imgIds=[2]) == [2]
    assert coco.loadCats([2])[0]["name"] == "person"


def test_detections_round_trip_through_loadres(tmp_path):
    save_coco(tmp_path / "a.json", DATA)
    coco = load_coco(tmp_path / "a.json")
    dets = detections_to_coco([1, 2], [[10, 10, 30, 40], [0, 0, 50, 40]], [0.9, 0.4], [0, 1])
    assert dets[0] == {"image_id": 1, "category_id": 1, "bbox": [10.0, 10.0, 20.0, 30.0],
                       "score": 0.9}
    res = coco.loadRes(dets)
    assert res.anns[2]["area"] == 2000.0
    mapped = detections_to_coco([1], [[0, 0, 1, 2]], [0.5], [0], category_ids={0: 7})
    assert mapped[0]["category_id"] == 7 and mapped[0]["bbox"] == [0.0, 0.0, 1.0, 2.0]
    with pytest.raises(ValueError, match="expected equal lengths"):
        detections_to_coco([1, 2], [[0, 0, 1, 1]], [0.5], [0])


def test_bad_json_names_file_and_line(tmp_path):
    (tmp_path / "b.json").write_text('{\n  "images": [\n    {"id": 1,}\n  ]\n}\n')
    with pytest.raises(DataFormatError, match=r"b\.json:3: expected valid JSON"):
        load_coco(tmp_path / "b.json")


@pytest.mark.parametrize("mutate, expected", [
    (lambda d: d.pop("categories"), "expected a list under 'categories', got NoneType"),
    (lambda d: d["annotations"][1].pop("image_id"),
     r"expected annotations\[1\] to have key\(s\) \['image_id'\]"),
    (lambda d: d["annotations"][0].update(bbox=[1, 2, 3]),
     r"expected annotations\[0\]\.bbox = \[x, y, w, h\]"),
])
def test_bad_structure(tmp_path, mutate, expected):
    data = json.loads(json.dumps(DATA))
    mutate(data)
    (tmp_path / "c.json").write_text(json.dumps(data))
    with pytest.raises(DataFormatError, match=r"c\.json: " + expected):
        load_coco(tmp_path / "c.json")
    with pytest.raises(DataFormatError):
        save_coco(tmp_path / "d.json", data)
    assert not (tmp_path / "d.json").exists()


def test_missing_file(tmp_path):
    with pytest.raises(DataFormatError, match=r"x\.json: expected a COCO json file"):
        load_coco(tmp_path / "x.json")
