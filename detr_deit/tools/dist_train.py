"""Multi-process training through torchrun on a free port: one process per GPU, or on a machine
without CUDA, CPU processes joined by the gloo backend (common/openmmlab.py).

``python -m detr_deit.tools.dist_train NGPUS CONFIG [train.py options]`` runs
``torchrun --nproc-per-node NGPUS --master-port PORT -m detr_deit.train CONFIG --launcher pytorch``.
The port is one the OS reports free (so two jobs on one server do not collide on the usual
29500); ``--gpus auto`` first sets CUDA_VISIBLE_DEVICES to the NGPUS least-used GPUs.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys


def free_port() -> int:
    """A TCP port nobody listens on now (bound to port 0, the OS picks)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def torchrun_command(ngpus: int, config: str, train_args: list[str], port: int) -> list[str]:
    return [sys.executable, "-m", "torch.distributed.run", f"--nproc-per-node={ngpus}",
            f"--master-port={port}", "-m", "detr_deit.train", config, "--launcher", "pytorch",
            *train_args]


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                epilog="Other options are passed to detr_deit.train.")
    p.add_argument("ngpus", type=int, help="processes: one per GPU (on CPU, CPU processes)")
    p.add_argument("config")
    p.add_argument("--gpus", choices=["visible", "auto"], default="visible",
                   help="auto: pick the least-used GPUs (detr_deit.tools.free_gpus)")
    p.add_argument("--port", type=int, help="master port (default: a free one)")
    args, train_args = p.parse_known_args(argv)
    env = dict(os.environ)
    if args.gpus == "auto":
        from detr_deit.tools.free_gpus import QUERY, parse_nvidia_smi, pick_free
        try:
            text = subprocess.run(QUERY, capture_output=True, text=True, check=True).stdout
            env["CUDA_VISIBLE_DEVICES"] = ",".join(
                map(str, pick_free(parse_nvidia_smi(text), args.ngpus)))
        except (OSError, subprocess.CalledProcessError, ValueError) as e:
            sys.exit(f"error: {e}")
    cmd = torchrun_command(args.ngpus, args.config, train_args, args.port or free_port())
    print(" ".join(cmd), flush=True)
    sys.exit(subprocess.run(cmd, env=env).returncode)


if __name__ == "__main__":
    main()
