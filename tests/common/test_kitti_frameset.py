"""KittiFrameSet: splits, file access, and skip-and-report of bad frames."""

import shutil

import numpy as np
import pytest

from common.errors import DataFormatError
from common.kitti import KittiFrameSet, write_split


@pytest.fixture
def root(tmp_path, kitti_fixture_root):
    """Five copies of the real frame; 1-4 each broken in one way."""
    src = kitti_fixture_root / "training"
    dst = tmp_path / "training"
    files = {"image_2": ".png", "label_2": ".txt", "calib": ".txt", "velodyne": ".bin"}
    for sub, ext in files.items():
        (dst / sub).mkdir(parents=True)
        for i in range(5):
            shutil.copyfile(src / sub / f"000000{ext}", dst / sub / f"{i:06d}{ext}")
    label = (dst / "label_2" / "000001.txt")
    label.write_text(label.read_text() + "Car 0.00 0\n")
    calib = dst / "calib" / "000002.txt"
    calib.write_text("".join(l for l in calib.read_text().splitlines(True) if "Tr_velo" not in l))
    (dst / "image_2" / "000003.png").write_bytes(b"not a png")
    with open(dst / "velodyne" / "000004.bin", "ab") as f:
        f.write(b"\0" * 4)
    write_split(tmp_path / "ImageSets" / "train.txt", range(5))
    write_split(tmp_path / "ImageSets" / "val.txt", [0])
    return tmp_path


def test_skip_bad_reports_each_broken_frame(root):
    fs = KittiFrameSet(root, "train", skip_bad=True)
    assert fs.ids == ["000000"]
    paths = [p for p, _ in fs.bad]
    t = root / "training"
    assert paths == [str(t / "label_2" / "000001.txt"), str(t / "calib" / "000002.txt"),
                     str(t / "image_2" / "000003.png"), str(t / "velodyne" / "000004.bin")]
    messages = [m for _, m in fs.bad]
    assert messages[0].startswith(f"{t / 'label_2' / '000001.txt'}:2: expected 15 fields")
    assert "expected key(s) Tr_velo_to_cam" in messages[1]
    assert "expected a readable image" in messages[2]
    assert "multiple of 16 bytes" in messages[3] and "got 12804" in messages[3]


def test_without_skip_bad_errors_surface_on_access(root):
    fs = KittiFrameSet(root, "train")
    assert fs.ids == [f"{i:06d}" for i in range(5)] and fs.bad == []
    assert len(fs.label("000000")) == 1
    with pytest.raises(DataFormatError, match=r"000001\.txt:2: expected 15 fields"):
        fs.label("000001")
    with pytest.raises(DataFormatError, match=r"000002\.txt: expected key\(s\) Tr_velo_to_cam"):
        fs.calib("000002")
    with pytest.raises(DataFormatError, match=r"000003\.png: expected a readable image"):
        fs.image("000003")
    with pytest.raises(DataFormatError, match=r"000004\.bin: expected a size"):
        fs.velodyne("000004")


def test_split_by_name_path_list_and_none(root):
    assert KittiFrameSet(root, "val").ids == ["000000"]
    assert KittiFrameSet(root, root / "ImageSets" / "val.txt").ids == ["000000"]
    assert len(KittiFrameSet(root, None)) == 5
    assert KittiFrameSet(root, ["000003", "000001"]).ids == ["000003", "000001"]
    with pytest.raises(DataFormatError, match=r"test\.txt: expected a split file"):
        KittiFrameSet(root, "test")


def test_frame_access(root):
    fs = KittiFrameSet(root, "val")
    assert fs.image_path("000000") == root / "training" / "image_2" / "000000.png"
    assert fs.image("000000").shape == (370, 1224, 3)
    assert fs.velodyne("000000").dtype == np.float32
    assert fs.calib("000000").P2.shape == (3, 4)
