"""Training lowers the loss; the CLI trains, checkpoints atomically and resumes."""

import shutil

import torch

import common.amp
from centernet.data.datasets import DATASET_STATS, VOC_TRAIN, CtdetDataset, DetectionSet
from centernet.losses import ctdet_loss
from centernet.models import build_model
from centernet.train import lr_at, main, parse_args, scale_schedule
from common.amp import amp_dtype_for


def test_train_steps_lower_the_loss(tiny_voc):
    torch.manual_seed(0)
    dset = DetectionSet.voc(tiny_voc, VOC_TRAIN)
    st = DATASET_STATS["voc"]
    data = CtdetDataset(dset, 64, st["mean"], st["std"], augment=False)
    batch = torch.utils.data.default_collate([data[i] for i in range(4)])
    model = build_model("res18", 20)
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    losses = []
    for _ in range(4):
        loss, _ = ctdet_loss(model(batch["input"]), batch)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.7 * losses[0], losses


def test_default_lr_and_schedule_follow_the_paper():
    args = parse_args(["--data-root", "x", "--work-dir", "y", "--batch-size", "16"])
    assert args.lr == 1.25e-4 / 2 and args.epochs == 70 and args.lr_steps == (45, 60)
    assert args.input_size == 384
    assert lr_at(44, 1.0, (45, 60)) == 1.0
    assert abs(lr_at(45, 1.0, (45, 60)) - 0.1) < 1e-12
    assert abs(lr_at(69, 1.0, (45, 60)) - 0.01) < 1e-12


def test_cli_trains_and_resumes(tiny_voc, tiny_checkpoint, tmp_path, capsys):
    # tiny_checkpoint ran: train --input-size 64 --batch-size 2 --epochs 1 (see conftest)
    state = torch.load(tiny_checkpoint, weights_only=True)
    assert state["epoch"] == 1 and state["config"]["arch"] == "res18"
    assert state["train_seconds"] > 0
    work = tiny_checkpoint.parent
    assert (work / "last.pth").exists() and list((work / "tb").iterdir())
    shutil.copy(work / "last.pth", tmp_path / "last.pth")
    main(["--data-root", str(tiny_voc), "--work-dir", str(tmp_path), "--input-size", "64",
          "--batch-size", "2", "--epochs", "2", "--workers", "0"])
    assert "resuming from" in capsys.readouterr().out
    assert torch.load(tmp_path / "last.pth", weights_only=True)["epoch"] == 2


def test_time_budget_stops_and_rerun_reuses_it(tiny_voc, tmp_path):
    argv = ["--data-root", str(tiny_voc), "--work-dir", str(tmp_path), "--input-size", "64",
            "--batch-size", "2", "--epochs", "3", "--workers", "0", "--minutes", "1e-4"]
    main(argv)  # the budget (6 ms) is spent after the first step
    final = tmp_path / "model_final.pth"
    state = torch.load(final, weights_only=True)
    assert state["epoch"] == 0 and state["train_seconds"] > 1e-4 * 60
    stamp = final.stat().st_mtime_ns
    main(argv)
    assert final.stat().st_mtime_ns == stamp  # nothing retrained


def test_scale_schedule_keeps_the_shape_of_the_official_one():
    args = parse_args(["--data-root", "x", "--work-dir", "y", "--minutes", "10"])
    scale_schedule(args, epoch_seconds=60, spent=60)
    # 540 s left = 9 more epochs -> 10 in all; drops at 45/70 and 60/70 of it: 6.43 -> 6, 8.57 -> 9
    assert args.epochs == 10 and args.lr_steps == (6, 9)


def test_amp_uses_bfloat16_only_on_cpus_that_have_it(monkeypatch):
    cpu, cuda = torch.device("cpu"), torch.device("cuda")
    monkeypatch.setattr(common.amp, "cpu_has_native_bf16", lambda: False)
    assert amp_dtype_for(True, cpu) is None  # emulated bfloat16: float32 instead
    assert amp_dtype_for(True, cuda) == torch.float16
    assert amp_dtype_for(False, cuda) is None
    monkeypatch.setattr(common.amp, "cpu_has_native_bf16", lambda: True)
    assert amp_dtype_for(True, cpu) == torch.bfloat16
    assert amp_dtype_for(False, cpu) is None


def test_amp_on_a_cpu_without_bfloat16_trains_in_float32(tiny_voc, tmp_path, capsys,
                                                           monkeypatch):
    monkeypatch.setattr(common.amp, "cpu_has_native_bf16", lambda: False)
    main(["--data", "voc", "--data-root", str(tiny_voc), "--work-dir", str(tmp_path),
          "--input-size", "64", "--batch-size", "2", "--epochs", "1", "--workers", "0",
          "--amp"])
    assert "no native bfloat16" in capsys.readouterr().out
    assert torch.load(tmp_path / "last.pth", weights_only=True)["epoch"] == 1
