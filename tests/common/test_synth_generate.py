"""The synth command: determinism, idempotence, resuming, refusing other arguments and foreign
folders."""

import json
import subprocess
import sys

import pytest

from common.synth import DATASETS, SynthError, generate
from common.synth.__main__ import main
from common.synth.generate import VERSION

NUM = {"kitti": 2, "voc": 4, "scannet": 3}


def _snapshot(root):
    """Relative path -> bytes of every file under root."""
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


@pytest.mark.parametrize("dataset", DATASETS)
def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path, dataset):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(dataset, a, NUM[dataset], seed=5, progress=False)
    generate(dataset, b, NUM[dataset], seed=5, progress=False)
    generate(dataset, c, NUM[dataset], seed=6, progress=False)
    sa, sb, sc = _snapshot(a), _snapshot(b), _snapshot(c)
    assert len(sa) > NUM[dataset] and sa == sb
    assert sa.keys() == sc.keys()  # same layout
    images = [k for k in sa if k.endswith((".png", ".jpg")) and "depth" not in k]
    assert images and all(sa[k] != sc[k] for k in images)


def test_rerun_writes_nothing_and_resumes(tmp_path):
    out = tmp_path / "voc"
    assert generate("voc", out, 4, seed=1, progress=False)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    assert not generate("voc", out, 4, seed=1, progress=False)
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == before
    # an interrupted run (marker incomplete, a frame missing) is completed with identical bytes
    snap = _snapshot(out)
    marker = json.loads((out / "synth.json").read_text())
    (out / "synth.json").write_text(json.dumps({**marker, "complete": False}))
    (out / "VOC2007" / "JPEGImages" / "000003.jpg").unlink()
    assert generate("voc", out, 4, seed=1, progress=False)
    assert _snapshot(out) == snap


def test_other_num_or_seed_refused_unless_overwrite(tmp_path):
    # a larger --num used to extend the folder in place and redraw its train/test split
    out = tmp_path / "voc"
    generate("voc", out, 3, seed=2, progress=False)
    snap = _snapshot(out)
    small = _snapshot(out / "VOC2007" / "JPEGImages")
    for num, seed in ((5, 2), (2, 2), (3, 3)):
        with pytest.raises(SynthError, match="--overwrite"):
            generate("voc", out, num, seed=seed, progress=False)
    assert _snapshot(out) == snap  # nothing written
    generate("voc", out, 5, seed=2, overwrite=True, progress=False)
    big = _snapshot(out / "VOC2007" / "JPEGImages")
    # frames do not depend on --num: the 3-frame dataset's images are the first 3 of 5
    assert len(big) == 5 and all(big[k] == v for k, v in small.items())
    generate("voc", out, 2, seed=3, overwrite=True, progress=False)
    assert len(list((out / "VOC2007" / "JPEGImages").iterdir())) == 2


def test_output_of_an_older_generator_is_replaced(tmp_path):
    out = tmp_path / "voc"
    generate("voc", out, 2, seed=0, progress=False)
    snap = _snapshot(out)
    marker = json.loads((out / "synth.json").read_text())
    (out / "synth.json").write_text(json.dumps({**marker, "version": VERSION - 1}))
    (out / "VOC2007" / "JPEGImages" / "000001.jpg").write_bytes(b"old")
    assert generate("voc", out, 2, seed=0, progress=False)
    assert _snapshot(out) == snap


def test_foreign_folder_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(SynthError, match="not empty"):
        generate("kitti", tmp_path, 1, progress=False)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_cli_help_and_errors(tmp_path, capsys):
    out = subprocess.run(
        [sys.executable, "-m", "common.synth", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "{kitti,voc,scannet}" in out and "--num" in out and "--seed" in out
    (tmp_path / "x").write_text("")
    with pytest.raises(SystemExit, match=r"^error: .*not empty"):
        main(["voc", str(tmp_path), "--num", "1", "--quiet"])
    with pytest.raises(SystemExit):
        main(["voc", str(tmp_path / "new"), "--num", "0"])
    assert "--num must be >= 1" in capsys.readouterr().err


def test_cli_writes_dataset_and_reports_up_to_date(tmp_path, capsys):
    out = tmp_path / "d"
    assert main(["voc", str(out), "--num", "2", "--seed", "4", "--quiet"]) == 0
    assert json.loads((out / "synth.json").read_text()) == {
        "dataset": "voc",
        "num": 2,
        "seed": 4,
        "version": VERSION,
        "complete": True,
    }
    capsys.readouterr()
    assert main(["voc", str(out), "--num", "2", "--seed", "4", "--quiet"]) == 0
    assert capsys.readouterr().out == (f"{out}: already generated, nothing to do "
                                       "(voc, --num 2, --seed 4)\n")
    before = _snapshot(out)
    with pytest.raises(SystemExit) as e:
        main(["voc", str(out), "--num", "3", "--seed", "4", "--quiet"])
    assert str(e.value).startswith(f"error: {out} holds a dataset generated with ")
    assert "\n" not in str(e.value) and "--overwrite" in str(e.value)
    assert capsys.readouterr().out == "" and _snapshot(out) == before
