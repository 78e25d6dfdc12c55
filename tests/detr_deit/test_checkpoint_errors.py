"""detr_deit.test / detr_deit.train stop with one line, before anything runs and without a
results file, on a checkpoint that is truncated, not a checkpoint, or made for another class
count than the config's (mmengine would load the rest, warn "size mismatch" and evaluate or
train a randomly initialised class head)."""

from __future__ import annotations

import pytest
import torch
from conftest import build_model

from detr_deit import CONFIG_DIR
from detr_deit.checks import class_head

CONFIG = str(CONFIG_DIR / "detr_deit-tiny_cpu-1xb4_synth-scannet.py")
SMALL = ["model.backbone.arch.num_layers=1", "train_dataloader.batch_size=2"]


@pytest.mark.parametrize("name", ["detr_deit-tiny_cpu-1xb4_synth-scannet.py",
                                  "detr_deit-tiny_8xb1-150e_voc0712.py"])
def test_class_head_rows_are_the_built_heads(load_cfg, name):
    cfg = load_cfg(name)
    head = class_head(cfg)
    model = build_model(cfg)
    assert model.state_dict()[head.key].shape[0] == head.rows(head.num_classes) == 21


def _five_class_checkpoint(path):
    """A 5-class DETR head (6 rows with "no object") and the meta training writes."""
    torch.save({"state_dict": {"bbox_head.fc_cls.weight": torch.zeros(6, 192)},
                "meta": {"dataset_meta": {"classes": ["a", "b", "c", "d", "e"]}}}, path)
    return path


def test_test_command_refuses_another_class_count(scannet_root, monkeypatch, tmp_path,
                                                  exit_line):
    from detr_deit.test import main as test_main

    monkeypatch.setenv("SYNTH_SCANNET_ROOT", f"{scannet_root}/")
    ckpt = _five_class_checkpoint(tmp_path / "five.pth")
    record = tmp_path / "results.json"
    msg = exit_line(lambda: test_main([CONFIG, str(ckpt), "--work-dir", str(tmp_path / "w"),
                                       "--record", str(record), "--cfg-options", *SMALL]))
    assert msg.startswith(f"error: {ckpt}: the checkpoint was trained on 5 classes")
    assert "the config has 20 (model.bbox_head.num_classes)" in msg
    assert not record.exists()


@pytest.mark.parametrize("damage", ["truncated", "text"])
def test_test_command_on_a_damaged_checkpoint_is_one_line(scannet_root, monkeypatch, tmp_path,
                                                          damage, exit_line):
    from detr_deit.test import main as test_main

    monkeypatch.setenv("SYNTH_SCANNET_ROOT", f"{scannet_root}/")
    ckpt = _five_class_checkpoint(tmp_path / "c.pth")
    if damage == "truncated":
        ckpt.write_bytes(ckpt.read_bytes()[:-100])
    else:
        ckpt.write_text("not a checkpoint\n")
    record = tmp_path / "results.json"
    msg = exit_line(lambda: test_main([CONFIG, str(ckpt), "--work-dir", str(tmp_path / "w"),
                                       "--record", str(record), "--cfg-options", *SMALL]))
    assert msg.startswith(f"error: {ckpt}: expected a PyTorch checkpoint, got a "
                          + ("truncated or damaged file" if damage == "truncated"
                             else "file that is not one"))
    assert not record.exists()


@pytest.mark.parametrize("how", ["resume", "load_from"])
def test_train_refuses_to_start_from_another_class_count(scannet_root, monkeypatch, tmp_path,
                                                         how, exit_line):
    from detr_deit.train import main as train_main

    monkeypatch.setenv("SYNTH_SCANNET_ROOT", f"{scannet_root}/")
    ckpt = _five_class_checkpoint(tmp_path / "five.pth")
    work = tmp_path / "work"
    start = (["--resume", str(ckpt), "--cfg-options"] if how == "resume"
             else ["--cfg-options", f"load_from={ckpt}"])
    msg = exit_line(lambda: train_main([CONFIG, "--work-dir", str(work), *start, *SMALL]))
    assert f"{ckpt}: the checkpoint was trained on 5 classes" in msg
    assert not work.exists()  # stopped before the runner made its work dir
