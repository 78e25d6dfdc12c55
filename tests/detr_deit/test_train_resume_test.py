"""End to end on the tiny frames: train CLI, resume under torch >= 2.6, slim, test CLI."""

from __future__ import annotations

import json
import pickle

import pytest
import torch

from detr_deit import CONFIG_DIR

CONFIG = str(CONFIG_DIR / "detr_deit-tiny_cpu-1xb4_synth-scannet.py")
# one backbone layer and 2-image batches keep it fast; 2 training frames = 1 iteration/epoch
SMALL = ["model.backbone.arch.num_layers=1", "train_dataloader.batch_size=2",
         "default_hooks.checkpoint.interval=1"]


def test_train_resume_slim_and_test(scannet_root, monkeypatch, tmp_path):
    from detr_deit.test import main as test_main
    from detr_deit.tools.slim_checkpoint import main as slim_main
    from detr_deit.train import main as train_main

    monkeypatch.setenv("SYNTH_SCANNET_ROOT", f"{scannet_root}/")
    work = tmp_path / "work"
    train_main([CONFIG, "--work-dir", str(work), "--cfg-options", "train_cfg.max_epochs=1",
                *SMALL])
    first = work / "epoch_1.pth"
    assert first.is_file()
    assert list(work.glob("*/vis_data/events.out.tfevents.*"))  # TensorBoard scalars
    # torch >= 2.6 refuses the full checkpoint by default (log history objects)...
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        torch.load(first, map_location="cpu")
    # ...and --resume still continues from it: the optimizer has taken 2 steps, not 1
    train_main([CONFIG, "--work-dir", str(work), "--resume", "--cfg-options",
                "train_cfg.max_epochs=2", *SMALL])
    full = work / "epoch_2.pth"
    state = torch.load(full, map_location="cpu", weights_only=False)
    assert state["meta"]["epoch"] == 2
    assert int(next(iter(state["optimizer"]["state"].values()))["step"]) == 2

    slim = tmp_path / "slim.pth"
    slim_main([str(full), str(slim)])
    small = torch.load(slim, map_location="cpu", weights_only=True)
    assert set(small) == {"state_dict", "meta"}
    assert small["state_dict"].keys() == state["state_dict"].keys()
    assert small["meta"]["dataset_meta"]["classes"][4] == "chair"
    assert slim.stat().st_size < full.stat().st_size / 2  # AdamW's moments are gone

    record = tmp_path / "results.json"
    test_main([CONFIG, str(slim), "--work-dir", str(tmp_path / "test"), "--record",
               str(record), "--cfg-options", *SMALL])
    rec = json.loads(record.read_text())
    assert rec["dataset"] == "synth-scannet" and rec["task"] == "2d"
    assert (rec["model"], rec["config"], rec["split"]) == (
        "DETR-DeiT-tiny", "detr_deit-tiny_cpu-1xb4_synth-scannet", "val")  # annotations/val.json
    assert 0.0 <= rec["metrics"]["AP50"] <= 100.0 and "APs" not in rec["metrics"]  # no small GT
    assert rec["params"] > 1_000_000


def test_test_command_missing_checkpoint_is_one_line(scannet_root, monkeypatch, tmp_path):
    from detr_deit.test import main as test_main

    monkeypatch.setenv("SYNTH_SCANNET_ROOT", f"{scannet_root}/")
    with pytest.raises(SystemExit) as e:
        test_main([CONFIG, str(tmp_path / "nope.pth"), "--work-dir", str(tmp_path)])
    assert e.value.code == (f"error: {tmp_path / 'nope.pth'}: expected a checkpoint (.pth), "
                            "found no such file")
    assert not (tmp_path / "results.json").exists()
