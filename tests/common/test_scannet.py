"""ScanNet frames-25k: encodings, class mapping, frame round trip and COCO conversion."""

import numpy as np
import pytest

from common.errors import DataFormatError
from common.scannet import (
    NYU40_TO_SCANNET20,
    SCANNET18_INSTANCE_CLASSES,
    SCANNET20_CLASSES,
    decode_instance_png,
    encode_instance,
    instance_boxes,
    list_frames,
    map_nyu40,
    read_frame,
    read_png16,
    read_scene_split,
    scannet_to_coco,
    write_frame,
    write_matrix4,
)

H, W = 48, 64


def _frame():
    """A chair (NYU40 5), a wall (1) and a 4-pixel chair; depth 1.234 m."""
    lab = np.zeros((H, W), int)
    inst = np.zeros((H, W), int)
    lab[5:15, 10:30], inst[5:15, 10:30] = 5, 1
    lab[20:40, :], inst[20:40, :] = 1, 2
    lab[42:44, 2:4], inst[42:44, 2:4] = 5, 3
    lab[0:2, 0:2] = 5  # labelled but no instance: not an object
    yy, xx = np.mgrid[0:H, 0:W]
    color = np.stack([xx * 4, yy * 5, np.full((H, W), 128)], -1).astype(np.uint8)  # smooth
    pose = np.arange(16.0).reshape(4, 4) / 7
    return color, np.full((H, W), 1.234), lab, inst, pose


@pytest.fixture
def root(tmp_path):
    scene = tmp_path / "scene0000_00"
    write_frame(scene, "0", *_frame())
    write_frame(scene, "100", *_frame())
    write_matrix4(scene / "intrinsics_color.txt", np.diag([577.6, 578.7, 1, 1]))
    (tmp_path / "splits").mkdir()
    (tmp_path / "splits" / "val.txt").write_text("scene0000_00\n")
    return tmp_path


def test_class_mapping():
    assert len(SCANNET20_CLASSES) == 20 and len(SCANNET18_INSTANCE_CLASSES) == 18
    assert NYU40_TO_SCANNET20[1] == 0 and NYU40_TO_SCANNET20[39] == 19
    assert SCANNET20_CLASSES[NYU40_TO_SCANNET20[33]] == "toilet"
    assert SCANNET20_CLASSES[NYU40_TO_SCANNET20[24]] == "refrigerator"
    assert sorted(NYU40_TO_SCANNET20) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 16, 24, 28,
                                          33, 34, 36, 39]
    np.testing.assert_array_equal(map_nyu40([[0, 1, 13], [36, 40, 99]]),
                                  [[-1, 0, -1], [18, -1, -1]])


def test_instance_encoding_round_trip(tmp_path):
    lab = np.array([[0, 5, 39], [40, 14, 3]])
    inst = np.array([[0, 1, 12], [999, 3, 2]])
    enc = encode_instance(lab, inst)
    assert enc.dtype == np.uint16 and enc[0, 2] == 39012
    from common.scannet import write_png16
    write_png16(tmp_path / "i.png", enc)
    from PIL import Image
    assert Image.open(tmp_path / "i.png").mode.startswith("I;16")  # a 16-bit PNG on disk
    back_lab, back_inst = decode_instance_png(read_png16(tmp_path / "i.png"))
    np.testing.assert_array_equal(back_lab, lab)
    np.testing.assert_array_equal(back_inst, inst)


def test_frame_round_trip(root):
    color, depth, lab, inst, pose = _frame()
    f = read_frame(root / "scene0000_00", "100")
    assert list_frames(root / "scene0000_00") == ["0", "100"]
    assert np.abs(f.color.astype(int) - color).max() <= 8  # JPEG, quality 95
    np.testing.assert_allclose(f.depth, 1.234, atol=1e-6)
    np.testing.assert_array_equal(f.nyu40_label, lab)
    np.testing.assert_array_equal(f.instance, inst)
    np.testing.assert_array_equal(f.label, lab)
    np.testing.assert_allclose(f.pose, pose, atol=1e-6)
    np.testing.assert_allclose(f.intrinsics, np.diag([577.6, 578.7, 1, 1]))


def test_instance_boxes_from_masks():
    _, _, lab, inst, _ = _frame()
    objs = instance_boxes(encode_instance(lab, inst), min_area=4)
    assert [(SCANNET20_CLASSES[o["category"]], o["bbox"], o["area"]) for o in objs] == [
        ("wall", [0.0, 20.0, 64.0, 20.0], 1280),
        ("chair", [10.0, 5.0, 20.0, 10.0], 200),
        ("chair", [2.0, 42.0, 2.0, 2.0], 4),
    ]
    assert len(instance_boxes(encode_instance(lab, inst), min_area=5)) == 2
    only_objects = instance_boxes(encode_instance(lab, inst), SCANNET18_INSTANCE_CLASSES, 4)
    assert [SCANNET18_INSTANCE_CLASSES[o["category"]] for o in only_objects] == ["chair", "chair"]


def test_scannet_to_coco(root):
    data = scannet_to_coco(root, "val", min_area=10)
    assert [i["file_name"] for i in data["images"]] == ["scene0000_00/color/0.jpg",
                                                        "scene0000_00/color/100.jpg"]
    assert data["images"][0]["width"] == W and data["images"][0]["height"] == H
    cats = {c["id"]: c["name"] for c in data["categories"]}
    got = [(a["image_id"], cats[a["category_id"]], a["bbox"]) for a in data["annotations"]]
    assert got == [(1, "wall", [0.0, 20.0, 64.0, 20.0]), (1, "chair", [10.0, 5.0, 20.0, 10.0]),
                   (2, "wall", [0.0, 20.0, 64.0, 20.0]), (2, "chair", [10.0, 5.0, 20.0, 10.0])]
    from common.coco import coco_from_dict
    coco = coco_from_dict(data)
    assert coco.annToMask(coco.anns[2]).sum() == 200  # RLE mask of the chair
    assert [c["nyu40_id"] for c in data["categories"]][:3] == [1, 2, 3]


def test_bad_inputs(root, tmp_path):
    scene = root / "scene0000_00"
    (scene / "pose" / "0.txt").write_text("1 0 0 0\n0 1 0 0\n0 0 x 0\n0 0 0 1\n")
    with pytest.raises(DataFormatError, match=r"0\.txt:3: expected a number, got 'x'"):
        read_frame(scene, "0")
    (scene / "pose" / "0.txt").write_text("1 0 0\n")
    with pytest.raises(DataFormatError, match=r"0\.txt: expected 16 numbers \(a 4x4 matrix\), got"):
        read_frame(scene, "0")
    (scene / "instance" / "100.png").write_bytes(b"junk")
    with pytest.raises(DataFormatError, match=r"100\.png: expected a readable PNG"):
        read_frame(scene, "100")
    (root / "splits" / "train.txt").write_text("scene0000_00\nbadname\n")
    with pytest.raises(DataFormatError, match=r"train\.txt:2: expected a scene name"):
        read_scene_split(root, "train")
    with pytest.raises(DataFormatError, match=r"color: expected a ScanNet color/ folder"):
        list_frames(tmp_path / "nowhere")
    with pytest.raises(DataFormatError, match=r"c\.png: expected a single-channel PNG"):
        from PIL import Image
        Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tmp_path / "c.png")
        read_png16(tmp_path / "c.png")
