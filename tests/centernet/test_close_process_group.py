"""common.distributed.close_process_group on two CPU (gloo) processes. Tested in this
environment because it has torch (the common environment does not); xnet_fusion and detr_deit
use the same helper through common.openmmlab."""

import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _pair(script: Path, *args: str) -> list[subprocess.CompletedProcess]:
    """Run ``script`` as rank 0 and rank 1 of a two-process gloo group (no torchrun)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    procs = [subprocess.Popen(
        [sys.executable, str(script), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env={**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1",
                        "CUDA_VISIBLE_DEVICES": "", "MASTER_ADDR": "127.0.0.1",
                        "MASTER_PORT": str(port), "RANK": str(rank), "WORLD_SIZE": "2"})
        for rank in (0, 1)]
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=120)
        out.append(subprocess.CompletedProcess(p.args, p.returncode, stdout, stderr))
    return out


def test_no_abort_at_exit_after_a_last_collective(tmp_path):
    """The last collective of a run is a broadcast_object_list (mmengine's metrics): its tensor's
    storage is Python's, and a gloo worker thread drops its last reference just after the call
    returns. Without the helper this aborted about 1 exit in 4 here ("terminate called without an
    active exception", status -6); with it, registered at exit as common.openmmlab does, every
    one of 8 runs of both ranks ends with status 0."""
    script = tmp_path / "last_collective.py"
    script.write_text(textwrap.dedent("""
        import atexit
        import torch.distributed as dist
        from common.distributed import close_process_group
        dist.init_process_group("gloo")
        atexit.register(close_process_group)
        objects = [{"metric": 1.0} if dist.get_rank() == 0 else None]
        dist.broadcast_object_list(objects, 0)
        assert objects == [{"metric": 1.0}]
        atexit.register(lambda: print("initialised at exit:", dist.is_initialized()))
    """))
    for _ in range(8):
        for rank, run in enumerate(_pair(script)):
            assert run.returncode == 0, (rank, run.stderr[-2000:])
            assert "terminate called" not in run.stderr
            # atexit runs the later registration first: the group is still there before
            # close_process_group ends it
            assert run.stdout.strip() == "initialised at exit: True"


def test_a_rank_alone_at_exit_is_told_instead_of_waiting(tmp_path):
    """Rank 1 never reaches the helper (as if still training after an error of rank 0's own):
    rank 0's barrier gives up after its timeout and names rank 1."""
    script = tmp_path / "alone.py"
    script.write_text(textwrap.dedent("""
        import time
        import torch.distributed as dist
        from common.distributed import close_process_group
        dist.init_process_group("gloo")
        if dist.get_rank() == 1:
            time.sleep(8)
        else:
            t0 = time.monotonic()
            try:
                close_process_group(timeout_s=2)
            except RuntimeError as e:
                print(f"after {time.monotonic() - t0:.0f} s:", e)
    """))
    rank0, _ = _pair(script)
    assert rank0.returncode == 0, rank0.stderr[-2000:]
    seconds, message = rank0.stdout.split(":", 1)
    assert int(seconds.split()[1]) < 10
    assert "Rank 1 failed to pass monitoredBarrier" in message
