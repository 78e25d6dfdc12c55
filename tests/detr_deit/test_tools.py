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


def _fake_runner(max_epochs=150, milestones=(100,)):
    from mmengine.logging import MessageHub
    from mmengine.optim import OptimWrapper
    from mmengine.optim.scheduler import MultiStepLR

    optim = OptimWrapper(torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=1e-4))
    sched = MultiStepLR(optim, milestones=list(milestones), gamma=0.1, begin=0, end=max_epochs,
                        by_epoch=True)
    loop = SimpleNamespace(_max_epochs=max_epochs, dataloader=[0] * 20)
    runner = FakeRunner(train_loop=loop, param_schedulers=[sched], epoch=0,
                        logger=SimpleNamespace(info=lambda msg: None),
                        message_hub=MessageHub(f"budget{id(loop)}"))
    return runner, sched


class FakeRunner(SimpleNamespace):
    """What the hook touches of mmengine's Runner (max_epochs reads the loop, as Runner's)."""

    max_epochs = property(lambda self: self.train_loop._max_epochs)


def test_planned_schedule_scales_the_lr_drop():
    from common.harness.mmengine_budget import PlannedSchedule

    runner, sched = _fake_runner()
    PlannedSchedule(runner).fit(runner, 30, done=1)
    assert runner.train_loop._max_epochs == 30 and runner.train_loop._max_iters == 600
    assert dict(sched.milestones) == {20: 1} and sched.end == 30  # 100/150 of 30 epochs


def test_time_budget_hook_fits_and_stops(monkeypatch):
    """Epochs of 10 s in a 1-minute budget: 6 epochs, the drop at 4 (2/3 of them), stop at 6."""
    import common.harness.mmengine_budget as budget_hook

    clock = iter(range(0, 1000, 10))
    monkeypatch.setattr(budget_hook.time, "monotonic", lambda: float(next(clock)))
    runner, sched = _fake_runner(max_epochs=150, milestones=(100,))
    hook = budget_hook.TimeBudgetHook(seconds=60)
    hook.before_train(runner)
    lengths = []
    for epoch in range(10):
        runner.epoch = epoch
        hook.after_train_epoch(runner)
        lengths.append(runner.max_epochs)
        if epoch + 1 >= runner.max_epochs:
            break
    assert lengths == [6, 6, 6, 6, 6, 6]
    assert dict(sched.milestones) == {4: 1}
    assert runner.message_hub.get_info("budget_seconds_spent") == 60.0
