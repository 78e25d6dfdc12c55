"""The synthetic-data benchmark entry point: all stages on the real fixture frame, then reuse."""

import json
import shutil

import pytest

from common.results import load_record
from deep3dbox import reproduce


def test_reproduce_writes_record_and_sample_then_reuses(kitti_fixture_root, tmp_path, capsys):
    root = tmp_path / "kitti"
    shutil.copytree(kitti_fixture_root, root)
    (root / "ImageSets").mkdir()
    for split in ("train", "val"):
        (root / "ImageSets" / f"{split}.txt").write_text("000000\n")
    work = tmp_path / "work"
    argv = ["--data-root", str(root), "--work-dir", str(work), "--minutes", "0.01",
            "--classes", "Pedestrian", "Cyclist"]
    reproduce.main(argv)
    meta = json.loads((work / "train" / "meta.json").read_text())
    assert meta["train_args"]["classes"] == ["Pedestrian", "Cyclist"]
    record = load_record(work / "results.json")
    assert record.dataset == "synth-kitti" and record.train_seconds > 0 and record.params > 0
    # the recipe's deviations from the paper are named in the record
    assert ("batch 32" in record.notes and "adam lr 0.0002, cosine decay" in record.notes
            and "head dropout 0," in record.notes and "box jitter 0.05" in record.notes
            and "trained on Pedestrian Cyclist, random init" in record.notes
            and record.notes.endswith("flip test; n/a (fewer than 41 valid ground-truth objects): "
                                      "Pedestrian easy (1), Pedestrian moderate (1), "
                                      "Pedestrian hard (1)"))
    # one pedestrian in val: its AP cells are n/a (left out, named in the notes), its errors kept
    assert not any(k.startswith("Pedestrian/aos/") for k in record.metrics)
    assert "Pedestrian moderate (1)" in record.notes
    assert 0 <= record.metrics["Pedestrian/orientation_score"] <= 1
    # that pedestrian is one the moderate level counts: its moderate errors are the same
    assert (record.metrics["Pedestrian/moderate/orientation_score"]
            == record.metrics["Pedestrian/orientation_score"])
    assert (work / "sample.png").stat().st_size > 0
    capsys.readouterr()
    reproduce.main(argv)
    assert "up to date" in capsys.readouterr().out


@pytest.mark.parametrize("option", ["--val-every", "--batch-size"])
def test_reproduce_refuses_a_count_below_one_under_its_own_name(tmp_path, option, capsys):
    with pytest.raises(SystemExit) as exit_info:
        reproduce.main(["--data-root", str(tmp_path), "--work-dir", str(tmp_path / "w"),
                        option, "0"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and "deep3dbox.reproduce" in err
    assert f"{option} must be >= 1, got 0" in err and not (tmp_path / "w").exists()
