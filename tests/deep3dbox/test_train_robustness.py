"""Training on awkward data and interruptions: val-only classes, atomic checkpoints, truncated
checkpoints, resuming after a kill, and the multi-device option."""

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from deep3dbox import predict, train
from deep3dbox.model import load_checkpoint, save_checkpoint

VAN = "Van 0.00 0 1.00 100.00 150.00 300.00 250.00 2.20 1.90 5.00 -5.00 1.60 20.00 0.80\n"
TINY = ["--input-size", "32", "--workers", "1"]


@pytest.fixture
def kitti(kitti_fixture_root, tmp_path):
    """The fixture frame twice: 000000 (a Pedestrian) is train, 000001 (the same plus a Van)
    is val."""
    root = tmp_path / "kitti"
    shutil.copytree(kitti_fixture_root, root)
    for sub, ext in (("image_2", "png"), ("label_2", "txt"), ("calib", "txt"),
                     ("velodyne", "bin")):
        shutil.copy(root / "training" / sub / f"000000.{ext}",
                    root / "training" / sub / f"000001.{ext}")
    label = root / "training" / "label_2" / "000001.txt"
    label.write_text(label.read_text() + VAN)
    (root / "ImageSets").mkdir()
    (root / "ImageSets" / "train.txt").write_text("000000\n")
    (root / "ImageSets" / "val.txt").write_text("000001\n")
    return root


def test_val_objects_of_classes_not_trained_on_are_left_out_with_a_note(kitti, tmp_path,
                                                                          capsys):
    work = tmp_path / "run"
    train.main(["--data-root", str(kitti), "--work-dir", str(work), "--epochs", "1", *TINY])
    err = capsys.readouterr().err
    assert ("note: 1 val object(s) of classes absent from the training split left out of the "
            "validation loss: 1 Van") in err
    state = json.loads((work / "state.json").read_text())
    assert state["monitor"] == "val_loss" and np.isfinite(state["logs"]["val_loss"])
    assert json.loads((work / "meta.json").read_text())["classes"] == ["Pedestrian"]


def _model():
    inputs = keras.Input((3,))
    return keras.Model(inputs, keras.layers.Dense(2)(inputs))


def test_checkpoint_save_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "best.keras"
    model = _model()
    save_checkpoint(model, path)
    assert [p.name for p in tmp_path.iterdir()] == ["best.keras"]
    np.testing.assert_allclose(load_checkpoint(path).get_weights()[0], model.get_weights()[0])
    before = path.read_bytes()

    def killed_save(self, filepath, *args, **kwargs):
        Path(filepath).write_bytes(before[:100])  # half-written, then the failure
        raise OSError("No space left on device")

    monkeypatch.setattr(keras.Model, "save", killed_save)
    with pytest.raises(OSError):
        save_checkpoint(_model(), path)
    assert path.read_bytes() == before  # the previous checkpoint is intact
    assert [p.name for p in tmp_path.iterdir()] == ["best.keras"]  # and nothing is left over


@pytest.mark.parametrize("kept", [0.0, 0.5])
def test_truncated_checkpoint_is_a_one_line_error(tmp_path, kept):
    path = tmp_path / "best.keras"
    save_checkpoint(_model(), path)
    data = path.read_bytes()
    size = int(len(data) * kept)
    path.write_bytes(data[:size])
    (tmp_path / "meta.json").write_text("{}")
    with pytest.raises(SystemExit) as e:
        predict.main(["--data-root", str(tmp_path), "--checkpoint", str(path),
                    "--out", str(tmp_path / "out")])
    assert str(e.value) == (f"error: {path}: expected a .keras checkpoint, got a truncated file "
                            f"or not a Keras archive ({size} bytes)")


def test_resume_after_a_kill_logs_each_epoch_once_and_cleans_up(kitti, tmp_path, monkeypatch,
                                                                 capsys):
    """Killed while saving epoch 2's last.keras (after its log row), resumed to 3 epochs."""
    work = tmp_path / "run"
    argv = ["--data-root", str(kitti), "--work-dir", str(work), *TINY]
    real_save = train.save_checkpoint

    def killed_at_epoch_2(model, path):
        state = work / "state.json"
        if path.name == "last.keras" and state.exists():
            (work / ".last.keras.k1ll3d00.keras").write_bytes(b"PK\x03\x04 partial")
            (work / ".last.keras.k1ll3d00.tmp").touch()
            raise KeyboardInterrupt
        real_save(model, path)

    monkeypatch.setattr(train, "save_checkpoint", killed_at_epoch_2)
    with pytest.raises(KeyboardInterrupt):
        train.main([*argv, "--epochs", "2"])
    assert json.loads((work / "state.json").read_text())["epoch"] == 1
    monkeypatch.setattr(train, "save_checkpoint", real_save)
    (work / ".keep").touch()  # not one of the run's temporary files
    capsys.readouterr()
    train.main([*argv, "--epochs", "3"])
    err = capsys.readouterr().err
    assert "note: removed 2 temporary file(s) of an interrupted save" in err
    assert "resuming from" in err and "after epoch 1" in err
    assert sorted(p.name for p in work.iterdir() if p.name.startswith(".")) == [".keep"]
    rows = (work / "log.csv").read_text().splitlines()
    assert rows[0].startswith("epoch,") and "val_loss" in rows[0].split(",")
    assert [r.split(",")[0] for r in rows[1:]] == ["0", "1", "2"]
    assert json.loads((work / "state.json").read_text())["epoch"] == 3
    load_checkpoint(work / "best.keras")  # a complete archive


def test_val_every_validates_and_keeps_the_best_checkpoint_on_those_epochs_only(kitti, tmp_path):
    work = tmp_path / "run"
    train.main(["--data-root", str(kitti), "--work-dir", str(work), "--epochs", "3",
                "--val-every", "2", *TINY])
    with open(work / "log.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["epoch"] for r in rows] == ["0", "1", "2"]
    assert [r["val_loss"] != "" for r in rows] == [False, True, False]
    assert all(r["loss"] != "" for r in rows)
    state = json.loads((work / "state.json").read_text())
    assert state["epoch"] == 3 and "val_loss" not in state["logs"]
    assert state["best"] == pytest.approx(float(rows[1]["val_loss"]))


def test_resume_from_a_truncated_last_checkpoint_is_a_one_line_error(kitti, tmp_path):
    work = tmp_path / "run"
    work.mkdir()
    (work / "state.json").write_text(json.dumps({"epoch": 1, "train_seconds": 1.0}))
    (work / "last.keras").write_bytes(b"")
    with pytest.raises(SystemExit) as e:
        train.main(["--data-root", str(kitti), "--work-dir", str(work), "--epochs", "2", *TINY])
    assert str(e.value) == (f"error: {work / 'last.keras'}: expected a .keras checkpoint, got a "
                            "truncated file or not a Keras archive (0 bytes)")


def test_two_cpu_devices_train_under_mirrored_strategy(kitti, tmp_path):
    """A fresh process: the CPU can be split into logical devices only before TF starts."""
    work = tmp_path / "run"
    done = subprocess.run(
        [sys.executable, "-m", "deep3dbox.train", "--data-root", str(kitti), "--work-dir",
         str(work), "--epochs", "1", "--devices", "2", "--batch-size", "2", *TINY],
        capture_output=True, text=True, cwd=Path(train.__file__).parents[1], timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "MirroredStrategy with 2 replicas" in done.stderr
    state = json.loads((work / "state.json").read_text())
    assert state["epoch"] == 1 and np.isfinite(state["logs"]["loss"])
    load_checkpoint(work / "best.keras")
