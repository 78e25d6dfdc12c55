"""Atomic writes: a failed or killed save never leaves a partial file, and its leftovers go;
checked reading of JSON and of split files."""

import json

import pytest

from common.errors import DataFormatError
from common.io import atomic_save, atomic_write_text, read_id_list, read_json, remove_orphans


def test_atomic_save_keeps_the_suffix_and_replaces_the_target(tmp_path):
    target = tmp_path / "model.keras"
    target.write_text("old")
    seen = []

    def save(tmp):
        seen.append(tmp)
        tmp.write_text("new")

    atomic_save(target, save)
    assert target.read_text() == "new" and seen[0].suffix == ".keras"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.keras"]


def test_a_failing_save_leaves_the_old_file_and_no_temporary_file(tmp_path):
    target = tmp_path / "best.keras"
    target.write_text("old")

    def save(tmp):
        tmp.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_save(target, save)
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best.keras"]


def test_remove_orphans_deletes_only_the_leftovers_of_the_named_files(tmp_path):
    for name in (".last.pth.abc123.tmp", ".best.keras.x1y2z3.keras", ".other.json.q.tmp",
                 "last.pth", ".last.pthx"):
        (tmp_path / name).write_text("x")
    removed = remove_orphans([tmp_path / "last.pth", tmp_path / "best.keras",
                              tmp_path / "missing" / "a.json"])
    assert [p.name for p in removed] == [".best.keras.x1y2z3.keras", ".last.pth.abc123.tmp"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".last.pthx", ".other.json.q.tmp",
                                                          "last.pth"]


def test_read_json_names_the_file_and_line(tmp_path):
    path = tmp_path / "a.json"
    atomic_write_text(path, '{\n  "a": 1,\n  "b": \n}\n')
    with pytest.raises(DataFormatError, match=r"a\.json:4: expected valid JSON"):
        read_json(path)
    atomic_write_text(path, json.dumps({"a": 1}))
    assert read_json(path) == {"a": 1}
    with pytest.raises(DataFormatError, match="got a folder"):
        read_json(tmp_path, "a COCO json file")


def test_read_id_list_strips_skips_blank_lines_and_names_a_bad_line(tmp_path):
    path = tmp_path / "val.txt"
    path.write_bytes(b"  a1 \r\n\n \t\nb2\n")  # CRLF, a blank and a whitespace-only line
    assert read_id_list(path, "a split file", "an id", str.isalnum) == ["a1", "b2"]
    path.write_text("a1\n\n# ids\n")
    with pytest.raises(DataFormatError, match=r"val.txt:3: expected an id, got '# ids'"):
        read_id_list(path, "a split file", "an id", str.isalnum)
    with pytest.raises(DataFormatError, match="expected a split file, found no such file"):
        read_id_list(tmp_path / "none.txt", "a split file", "an id", str.isalnum)


def test_the_three_split_readers_keep_their_rules(tmp_path):
    from common.kitti import read_split
    from common.scannet import read_scene_split
    from common.voc import read_image_set

    kitti = tmp_path / "train.txt"
    kitti.write_text("000001\n\n000002  \n")
    assert read_split(kitti) == ["000001", "000002"]
    kitti.write_text("000001\n# comment\n")  # no comments in KITTI's ImageSets
    with pytest.raises(DataFormatError, match="train.txt:2: expected a 6-digit frame id"):
        read_split(kitti)
    (tmp_path / "splits").mkdir()
    (tmp_path / "splits" / "val.txt").write_text("scene0000_00\nscene0001_00 x\n")
    with pytest.raises(DataFormatError, match="val.txt:2: expected a scene name like scene0000_00"):
        read_scene_split(tmp_path, "val")
    sets = tmp_path / "VOC2007" / "ImageSets" / "Main"
    sets.mkdir(parents=True)
    (sets / "test.txt").write_text("000001\n  000002\n\n")
    assert read_image_set(tmp_path, "VOC2007", "test") == ["000001", "000002"]
    (sets / "test.txt").write_text("000001 1\n")  # the per-class files' layout: two columns
    with pytest.raises(DataFormatError, match="test.txt:1: expected one image id per line, got "
                                              "'000001 1'"):
        read_image_set(tmp_path, "VOC2007", "test")
