"""python -m centernet.prepare: KITTI -> CenterNet's COCO layout, one-line errors on bad input."""

from __future__ import annotations

import json
import shutil

import pytest

from centernet.prepare import main


def test_prepare_command_writes_the_layout(kitti_fixture_root, tmp_path, capsys):
    root = shutil.copytree(kitti_fixture_root, tmp_path / "kitti")
    (root / "ImageSets").mkdir()
    for split in ("train", "val"):
        (root / "ImageSets" / f"{split}.txt").write_text("000000\n")
    main([str(root), str(tmp_path / "out")])
    assert str(tmp_path / "out") in capsys.readouterr().out
    coco = json.loads((tmp_path / "out" / "annotations" / "kitti_val.json").read_text())
    assert [im["file_name"] for im in coco["images"]] == ["000000.png"]
    assert (tmp_path / "out" / "images" / "000000.png").is_file()
    assert (tmp_path / "out" / "label_2" / "000000.txt").is_file()


def test_prepare_command_bad_root_is_one_line(tmp_path, exit_line, capsys):
    msg = exit_line(lambda: main([str(tmp_path), str(tmp_path / "out")]))
    assert str(tmp_path / "ImageSets") in msg and "train.txt" in msg
    with pytest.raises(SystemExit) as e:
        main(["--help"])
    assert e.value.code == 0 and "KITTI_ROOT OUT" in capsys.readouterr().out
