"""Every CLI that reads a torch file answers a bad one with one line naming it."""

import shutil

import pytest
import torch

from centernet import demo, predict, test, train
from centernet.models import build_model


@pytest.fixture()
def bad_files(tmp_path, tiny_checkpoint):
    truncated = tmp_path / "truncated.pth"
    truncated.write_bytes(tiny_checkpoint.read_bytes()[:5000])
    text = tmp_path / "notes.pth"
    text.write_text("not a checkpoint\n")
    weights_only = tmp_path / "weights.pth"  # a state dict, not a centernet.train checkpoint
    torch.save(build_model("res18", 3).state_dict(), weights_only)
    other = tmp_path / "other.pth"  # a checkpoint whose weights are of another network
    state = torch.load(tiny_checkpoint, weights_only=True)
    state["config"]["neck"] = "skip"
    torch.save(state, other)
    return {"missing": (tmp_path / "none.pth", "found no such file"),
            "folder": (tmp_path, "got a folder"),
            "truncated": (truncated, "got a truncated or non-torch file"),
            "text": (text, "got a truncated or non-torch file"),
            "weights only": (weights_only, "got a torch file without model, config, classes"),
            "other network": (other, "got weights of another network (Missing key(s)")}


CASES = ["missing", "folder", "truncated", "text", "weights only", "other network"]


@pytest.mark.parametrize("case", CASES)
def test_test_demo_and_predict_reject_a_bad_checkpoint(bad_files, tiny_voc, tmp_path, case):
    path, message = bad_files[case]
    img = tiny_voc / "VOC2007" / "JPEGImages" / "000004.png"
    out = tmp_path / "out"
    for cli, argv in ((test.main, ["--checkpoint", str(path), "--data-root", str(tiny_voc),
                                   "--out", str(out / "r.json")]),
                      (demo.main, [str(img), "--checkpoint", str(path), "--out", str(out)]),
                      (predict.main, [str(img), "--checkpoint", str(path)])):
        with pytest.raises(SystemExit) as e:
            cli(argv)
        text = str(e.value.code)
        assert text.startswith(f"error: {path}: expected ") and message in text
        assert "\n" not in text
    assert not out.exists()


@pytest.mark.parametrize("case", ["missing", "truncated", "text", "weights only"])
def test_train_rejects_bad_pretrained_weights(bad_files, tiny_voc, tmp_path, case):
    path, message = bad_files[case]
    if case == "weights only":  # a CenterNet state dict is not torchvision's resnet18
        message = "got weights of another network (Missing key(s) in state_dict: \"conv1.weight\""
    with pytest.raises(SystemExit) as e:
        train.main(["--data-root", str(tiny_voc), "--work-dir", str(tmp_path / "w"),
                    "--input-size", "64", "--epochs", "1", "--workers", "0",
                    "--pretrained", str(path)])
    assert str(e.value.code).startswith(f"error: {path}: expected torchvision resnet18")
    assert message in str(e.value.code)
    assert not (tmp_path / "w" / "last.pth").exists()


def test_resume_refuses_a_checkpoint_of_another_class_count(tiny_voc, tiny_checkpoint, tmp_path):
    state = torch.load(tiny_checkpoint, weights_only=True)
    state["classes"] = state["classes"][:5]
    torch.save(state, tmp_path / "last.pth")
    with pytest.raises(SystemExit) as e:
        train.main(["--data-root", str(tiny_voc), "--work-dir", str(tmp_path), "--input-size",
                    "64", "--batch-size", "2", "--epochs", "2", "--workers", "0"])
    assert str(e.value.code) == (
        f"error: {tmp_path / 'last.pth'}: expected a checkpoint of this dataset's 20 classes "
        "to resume, got one of 5; use another --work-dir or --no-resume")


def test_resume_refuses_a_checkpoint_of_another_network(tiny_voc, tiny_checkpoint, tmp_path):
    shutil.copy(tiny_checkpoint.parent / "last.pth", tmp_path / "last.pth")
    with pytest.raises(SystemExit) as e:
        train.main(["--data-root", str(tiny_voc), "--work-dir", str(tmp_path), "--input-size",
                    "64", "--batch-size", "2", "--epochs", "2", "--workers", "0",
                    "--neck", "skip"])
    assert str(e.value.code).startswith(
        f"error: {tmp_path / 'last.pth'}: expected the res18 of this command, got weights of "
        'another network (Missing key(s) in state_dict: "neck.laterals.0.weight"')


def test_predict_cli_prints_detections(tiny_voc, tiny_checkpoint, capsys):
    img = tiny_voc / "VOC2007" / "JPEGImages" / "000004.png"
    predict.main([str(img), "--checkpoint", str(tiny_checkpoint), "--threshold", "0"])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 100  # top-100 peaks, all printed at threshold 0
    name, cls, score, *box = lines[0].split()
    assert name == "000004.png" and float(score) >= float(lines[-1].split()[2])
    assert len(box) == 4


def test_predict_has_help(capsys):
    with pytest.raises(SystemExit) as e:
        predict.main(["--help"])
    assert e.value.code == 0 and "IMAGE CLASS SCORE X1 Y1 X2 Y2" in capsys.readouterr().out
