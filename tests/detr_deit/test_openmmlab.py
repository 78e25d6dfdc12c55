"""common.openmmlab (shared with xnet_fusion, tested here where torch and mmengine are): reading
checkpoints with one-line errors, the scoped torch >= 2.6 loading, the class-count check, the
CPU process group's preconditions, atomic checkpoint writes."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from mmengine.config import Config

from common.errors import DataFormatError
from common.io import remove_orphans
from common.openmmlab import (
    ClassCountMismatch,
    ClassHead,
    atomic_checkpoints,
    check_checkpoint_classes,
    checkpoint_to_load,
    init_cpu_distributed,
    read_checkpoint,
    trusted_checkpoints,
)


def _full_checkpoint(path):
    """Like mmengine's epoch_N.pth: weights plus pickled objects weights_only refuses."""
    torch.save({"state_dict": {"w": torch.ones(3)}, "meta": {"epoch": np.int64(2)},
                "message_hub": {"log_scalars": {"loss": np.float64(0.5)}}}, path)
    return path


def test_trusted_checkpoints_is_scoped(tmp_path):
    path = _full_checkpoint(tmp_path / "full.pth")
    original = torch.load
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        torch.load(path, map_location="cpu")
    with trusted_checkpoints():
        assert torch.load(path, map_location="cpu")["meta"]["epoch"] == 2
    assert torch.load is original  # restored: the default is weights_only again
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, map_location="cpu")


def test_read_checkpoint_reads_full_and_weights_only_files(tmp_path):
    assert read_checkpoint(_full_checkpoint(tmp_path / "full.pth"))["meta"]["epoch"] == 2
    torch.save({"a.weight": torch.zeros(2, 2)}, tmp_path / "bare.pth")  # a plain state dict
    assert read_checkpoint(tmp_path / "bare.pth")["a.weight"].shape == (2, 2)


@pytest.mark.parametrize("case, expected", [
    ("missing", "expected a checkpoint (.pth), found no such file"),
    ("folder", "expected a checkpoint (.pth), found a folder"),
    ("truncated", "expected a PyTorch checkpoint, got a truncated or damaged file ("),
    ("empty", "expected a PyTorch checkpoint, got a truncated or damaged file (EOFError"),
    ("text", "expected a PyTorch checkpoint, got a file that is not one (UnpicklingError"),
    ("tensor", "(a dict of weights or one with a 'state_dict'), got a Tensor"),
    ("config", "got a dict with keys ['lr', 'model']"),
])
def test_read_checkpoint_errors_are_one_line_naming_the_file(tmp_path, case, expected):
    path = tmp_path / f"{case}.pth"
    if case == "folder":
        path.mkdir()
    elif case == "truncated":
        _full_checkpoint(path)
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif case == "empty":
        path.write_bytes(b"")
    elif case == "text":
        path.write_text("model = dict(type='DETR')\n")
    elif case == "tensor":
        torch.save(torch.zeros(3), path)
    elif case == "config":
        torch.save({"model": "DETR", "lr": 1e-4}, path)
    with pytest.raises(DataFormatError) as e:
        read_checkpoint(path)
    msg = str(e.value)
    assert msg.startswith(f"{path}: ") and "\n" not in msg
    assert expected in msg


DETR_HEAD = ClassHead("bbox_head.fc_cls.weight", 20, background=1,
                      source="model.bbox_head.num_classes")


def test_class_check_from_the_head_shape(tmp_path):
    ckpt = {"state_dict": {"module.bbox_head.fc_cls.weight": torch.zeros(6, 8)}}
    with pytest.raises(ClassCountMismatch) as e:
        check_checkpoint_classes("x.pth", ckpt, DETR_HEAD)
    assert str(e.value).startswith(
        "x.pth: the checkpoint has a class head for 5 classes (bbox_head.fc_cls.weight: 6 rows) "
        "but the config has 20 (model.bbox_head.num_classes)")
    check_checkpoint_classes("x.pth", {"state_dict": {
        "bbox_head.fc_cls.weight": torch.zeros(21, 8)}}, DETR_HEAD)  # 20 + "no object": fine


def test_class_check_from_the_meta_and_anchor_heads():
    meta = {"meta": {"dataset_meta": {"classes": ("Car",)}}, "state_dict": {}}
    head = ClassHead("pts_bbox_head.conv_cls.weight", 3, anchors=6)
    with pytest.raises(ClassCountMismatch, match="was trained on 1 class .* has 3"):
        check_checkpoint_classes("y.pth", meta, head)
    anchors = {"state_dict": {"pts_bbox_head.conv_cls.weight": torch.zeros(12, 4, 1, 1)}}
    with pytest.raises(ClassCountMismatch, match="class head for 2 classes .*: 12 rows"):
        check_checkpoint_classes("y.pth", anchors, head)
    # nothing to compare: a backbone-only file passes
    check_checkpoint_classes("y.pth", {"state_dict": {"backbone.w": torch.zeros(1)}}, head)


def test_checkpoint_to_load_mirrors_the_runner(tmp_path):
    cfg = Config(dict(work_dir=str(tmp_path), load_from=None, resume=False))
    assert checkpoint_to_load(cfg) is None
    cfg.resume = True
    assert checkpoint_to_load(cfg) is None  # nothing in the work dir yet
    (tmp_path / "last_checkpoint").write_text(str(tmp_path / "epoch_3.pth"))
    assert checkpoint_to_load(cfg) == str(tmp_path / "epoch_3.pth")
    cfg.load_from = "given.pth"  # resume from a named checkpoint, as mmengine does
    assert checkpoint_to_load(cfg) == "given.pth"


def test_cpu_launcher_outside_torchrun_is_a_one_line_error(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    for name in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValueError, match="--launcher pytorch needs torchrun's environment"):
        init_cpu_distributed(Config(dict(launcher="pytorch")))
    assert init_cpu_distributed(Config(dict(launcher="none"))) is False


class _Runner:
    """The part of mmengine's Runner that atomic_checkpoints wraps: save_checkpoint(out_dir,
    filename, ...) writing the file at out_dir/filename (here a first half, then a failure)."""

    def __init__(self, fail: bool = False):
        self.fail, self.calls = fail, []

    def save_checkpoint(self, out_dir, filename, *args, **kwargs):
        self.calls.append((out_dir, filename))
        with open(f"{out_dir}/{filename}", "wb") as f:
            f.write(b"new")
            if self.fail:
                raise RuntimeError("killed")


def test_checkpoints_are_written_beside_and_moved_in_place(tmp_path):
    target = tmp_path / "epoch_2.pth"
    target.write_bytes(b"old")
    runner = _Runner(fail=True)
    atomic_checkpoints(runner)
    with pytest.raises(RuntimeError, match="killed"):
        runner.save_checkpoint(str(tmp_path), "epoch_2.pth", None, save_optimizer=True)
    assert target.read_bytes() == b"old"  # a save that dies leaves the last complete file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["epoch_2.pth"]
    (out_dir, name), = runner.calls
    assert out_dir == str(tmp_path) and name.startswith(".epoch_2.pth.")
    runner = _Runner()
    atomic_checkpoints(runner)
    runner.save_checkpoint(str(tmp_path), "epoch_3.pth")
    assert (tmp_path / "epoch_3.pth").read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["epoch_2.pth", "epoch_3.pth"]


def test_other_ranks_do_not_replace_the_checkpoint(tmp_path, monkeypatch):
    monkeypatch.setenv("RANK", "1")  # mmengine's save_checkpoint is a no-op on rank 1
    runner = _Runner()
    atomic_checkpoints(runner)
    runner.save_checkpoint(str(tmp_path), "epoch_1.pth")
    assert runner.calls == [(str(tmp_path), "epoch_1.pth")]  # passed through unchanged


def test_orphans_of_killed_checkpoint_saves_are_removed(tmp_path):
    (tmp_path / ".epoch_4.pth.k3j2l1.tmp").write_bytes(b"half")
    (tmp_path / "epoch_3.pth").write_bytes(b"whole")
    assert [p.name for p in remove_orphans([tmp_path / "*.pth"])] == [".epoch_4.pth.k3j2l1.tmp"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["epoch_3.pth"]


def test_load_config_by_name_with_data_root_and_work_dir(tmp_path, monkeypatch):
    from common.openmmlab import config_name, load_config
    from detr_deit import CONFIG_DIR

    name = "detr_deit-tiny_cpu-1xb4_synth-scannet"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "frames").mkdir()
    cfg = load_config(name, CONFIG_DIR, data_root=tmp_path / "frames",
                      cfg_options={"train_cfg.max_epochs": 3})
    root = f"{tmp_path / 'frames'}/"
    assert cfg.data_root == root and cfg.test_dataloader.dataset.data_root == root
    assert cfg.test_evaluator.ann_file == root + "annotations/val.json"
    assert cfg.train_cfg.max_epochs == 3 and cfg.work_dir == f"work_dirs/{name}"
    assert load_config(CONFIG_DIR / f"{name}.py", CONFIG_DIR, work_dir="w").work_dir == "w"
    assert config_name(CONFIG_DIR / f"{name}.py", CONFIG_DIR) == name
    with pytest.raises(FileNotFoundError, match="^nope: no such config file"):
        load_config("nope", CONFIG_DIR)
    with pytest.raises(DataFormatError, match="expected the data root folder"):
        load_config(name, CONFIG_DIR, data_root=tmp_path / "missing")
