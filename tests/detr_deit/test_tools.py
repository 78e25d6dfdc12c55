"""GPU picker, torchrun launcher, time-budget schedule fitting."""

from __future__ import annotations

import socket
import sys
from types import SimpleNamespace

import pytest
import torch

from detr_deit.tools.dist_train import free_port, torchrun_command
from detr_deit.tools.free_gpus import GpuMemory, parse_nvidia_smi, pick_free

SMI = """0, 30512, 81559
1, 3, 81559
2, 812, 81559

3, 0, 81559
"""


def test_parse_nvidia_smi():
    gpus = parse_nvidia_smi(SMI)
    assert gpus[0] == GpuMemory(0, 30512, 81559) and len(gpus) == 4
    with pytest.raises(ValueError, match="nvidia-smi line 2: expected 'index, used MiB"):
        parse_nvidia_smi("0, 1, 2\n1, [N/A], 81559\n")


def test_pick_free_takes_least_used_under_threshold():
    gpus = parse_nvidia_smi(SMI)
    assert pick_free(gpus, 2) == [3, 1]
    assert pick_free(gpus, 3) == [3, 1, 2]
    with pytest.raises(ValueError, match="asked for 4 GPU\\(s\\) but only 3 of 4 use at most 1024"):
        pick_free(gpus, 4)


def test_torchrun_command_and_free_port():
    port = free_port()
    with socket.socket() as s:  # the port really is free: we can listen on it
        s.bind(("127.0.0.1", port))
    cmd = torchrun_command(8, "cfg.py", ["--resume"], port)
    assert cmd[:3] == [sys.executable, "-m", "torch.distributed.run"]
    assert "--nproc-per-node=8" in cmd and f"--master-port={port}" in cmd
    assert cmd[-5:] == ["detr_deit.train", "cfg.py", "--launcher", "pytorch", "--resume"]


def test_shorten_schedule_scales_the_lr_drop():
    from mmengine.optim import OptimWrapper
    from mmengine.optim.scheduler import MultiStepLR

    from detr_deit.hooks import shorten_schedule

    optim = OptimWrapper(torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=1e-4))
    sched = MultiStepLR(optim, milestones=[100], gamma=0.1, begin=0, end=150, by_epoch=True)
    loop = SimpleNamespace(_max_epochs=150, dataloader=[0] * 20)
    runner = SimpleNamespace(max_epochs=150, train_loop=loop, param_schedulers=[sched],
                             logger=SimpleNamespace(info=lambda msg: None))
    shorten_schedule(runner, 30)
    assert loop._max_epochs == 30 and loop._max_iters == 600
    assert dict(sched.milestones) == {20: 1} and sched.end == 30  # 100/150 of 30 epochs
