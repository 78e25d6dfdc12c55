"""Atomic writes: a failed or killed save never leaves a partial file, and its leftovers go."""

import json

import pytest

from common.errors import DataFormatError
from common.io import atomic_save, atomic_write_text, read_json, remove_orphans


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
