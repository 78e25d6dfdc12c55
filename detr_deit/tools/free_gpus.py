"""Pick the least-used GPUs of a shared server: ``python -m detr_deit.tools.free_gpus N``.

Reads ``nvidia-smi --query-gpu=index,memory.used,memory.total``, keeps the GPUs whose used
memory is at most --max-used-mib, and prints the N with the least memory in use as a
CUDA_VISIBLE_DEVICES value (``export CUDA_VISIBLE_DEVICES=$(python -m ... 2)``). Exits with an
error when fewer than N qualify.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from dataclasses import dataclass

QUERY = ["nvidia-smi", "--query-gpu=index,memory.used,memory.total",
         "--format=csv,noheader,nounits"]


@dataclass(frozen=True)
class GpuMemory:
    index: int
    used_mib: int
    total_mib: int


def parse_nvidia_smi(text: str) -> list[GpuMemory]:
    """Lines "index, used, total" (MiB) -> GpuMemory list; ValueError on a malformed line."""
    gpus = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        fields = [f.strip() for f in line.split(",")]
        try:
            index, used, total = (int(f) for f in fields)
        except ValueError:
            raise ValueError(f"nvidia-smi line {lineno}: expected 'index, used MiB, total MiB', "
                             f"got {line!r}") from None
        gpus.append(GpuMemory(index, used, total))
    return gpus


def pick_free(gpus: list[GpuMemory], n: int, max_used_mib: int = 1024) -> list[int]:
    """Indices of the ``n`` GPUs using least memory among those under ``max_used_mib``."""
    free = sorted((g for g in gpus if g.used_mib <= max_used_mib),
                  key=lambda g: (g.used_mib, g.index))
    if len(free) < n:
        raise ValueError(f"asked for {n} GPU(s) but only {len(free)} of {len(gpus)} use at most "
                         f"{max_used_mib} MiB")
    return [g.index for g in free[:n]]


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("n", type=int, help="how many GPUs")
    p.add_argument("--max-used-mib", type=int, default=1024,
                   help="a GPU counts as free when at most this much memory is in use")
    args = p.parse_args(argv)
    try:
        text = subprocess.run(QUERY, capture_output=True, text=True, check=True).stdout
        print(",".join(map(str, pick_free(parse_nvidia_smi(text), args.n, args.max_used_mib))))
    except FileNotFoundError:
        sys.exit("error: nvidia-smi not found (no NVIDIA driver on this machine)")
    except (subprocess.CalledProcessError, ValueError) as e:
        sys.exit(f"error: {e}")


if __name__ == "__main__":
    main()
