"""Two training processes on CPU through the documented launcher (detr_deit.tools.dist_train ->
torchrun -> detr_deit.train --launcher pytorch): the gloo process group, a DistributedSampler
(each rank gets half of the frames), checkpoints and logs from rank 0 only."""

from __future__ import annotations

import os
import subprocess
import sys

import torch

from detr_deit import CONFIG_DIR

CONFIG = str(CONFIG_DIR / "detr_deit-tiny_cpu-1xb4_synth-scannet.py")


def test_two_cpu_processes_train_and_rank_0_writes(scannet_root, tmp_path):
    work = tmp_path / "work"
    env = dict(os.environ, SYNTH_SCANNET_ROOT=f"{scannet_root}/", CUDA_VISIBLE_DEVICES="",
               OMP_NUM_THREADS="1")
    proc = subprocess.run(
        [sys.executable, "-m", "detr_deit.tools.dist_train", "2", CONFIG, "--work-dir", str(work),
         "--cfg-options", "model.backbone.arch.num_layers=1", "train_dataloader.batch_size=1",
         "train_cfg.max_epochs=2", "default_hooks.checkpoint.interval=1"],
        capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]  # torchrun: 0 only if both ranks exit 0
    assert sorted(p.name for p in work.glob("*.pth")) == ["epoch_1.pth", "epoch_2.pth"]
    # 2 training frames, one per rank and epoch: 2 iterations in 2 epochs (one process: 4)
    assert torch.load(work / "epoch_2.pth", map_location="cpu", weights_only=False)[
        "meta"]["iter"] == 2
    logs = list(work.glob("*/*.log"))
    assert len(logs) == 1  # rank 0's
    text = logs[0].read_text()
    assert "Distributed training: True" in text and "GPU number: 2" in text
