"""Two CPU processes (torchrun, gloo): one clock for the budget, one writer, whole batches."""

import os
import subprocess
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]


def torchrun(args: list[str], nproc: int = 2) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone",
         f"--nproc_per_node={nproc}", "-m", "centernet.train", *args],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)


def test_two_processes_stop_together_on_rank_0s_budget(tiny_voc, tmp_path):
    work = tmp_path / "w"
    # 4 training images, global batch 2: one image per process, 2 steps per epoch; the budget
    # (3 s) ends the run long before 200 epochs, at a step both processes agree on
    run = torchrun(["--data-root", str(tiny_voc), "--work-dir", str(work), "--input-size", "64",
                    "--batch-size", "2", "--epochs", "200", "--workers", "0",
                    "--minutes", "0.05"])
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.count("checkpoint: ") == 1  # rank 0 alone reports it
    final = work / "model_final.pth"
    assert run.stdout.strip().endswith(f"checkpoint: {final}") and final.exists()
    state = torch.load(final, weights_only=True)
    # after the first epoch the 200 epochs were scaled, on rank 0's clock, to fit the 3 s (on
    # every rank: ranks that disagreed would wait for each other's all-reduce and fail); the
    # run then ends with that schedule or at the budget, whichever comes first
    assert state["epoch"] <= state["config"]["epochs"] and state["epoch"] < 200
    assert sorted(p.name for p in work.iterdir()) == ["last.pth", "model_final.pth", "tb"]


def test_a_global_batch_that_does_not_divide_is_refused(tiny_voc, tmp_path):
    run = torchrun(["--data-root", str(tiny_voc), "--work-dir", str(tmp_path / "w"),
                    "--input-size", "64", "--batch-size", "3", "--epochs", "1",
                    "--workers", "0"])
    assert run.returncode != 0
    assert ("error: --batch-size 3 is not divisible by the 2 processes (it is the global "
            "batch: each process takes batch / N images)") in run.stderr
    assert not (tmp_path / "w").exists()
