"""Strip a training checkpoint to weights: ``python -m detr_deit.tools.slim_checkpoint IN OUT``.

mmengine's ``epoch_N.pth`` holds the model, the optimizer state (AdamW: two more tensors per
weight, so about 3x the model), the message hub's log history and the config. The slim file
keeps ``state_dict`` and a small ``meta`` (epoch, iter, dataset classes), loads with
``torch.load(weights_only=True)`` under torch >= 2.6, and is written atomically.
"""

from __future__ import annotations

import argparse
import sys

import torch

from common.errors import DataFormatError
from common.io import atomic_save
from common.openmmlab import read_checkpoint

KEEP_META = ("epoch", "iter", "dataset_meta", "mmengine_version", "time", "experiment_name")


def _plain(value):
    """Meta values as plain Python (tuples -> lists) so weights_only loading accepts them."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def slim(ckpt: dict) -> dict:
    """``{"state_dict", "meta"}`` of a full checkpoint (tensors moved to CPU)."""
    state = ckpt.get("state_dict", ckpt)
    meta = {k: _plain(v) for k, v in (ckpt.get("meta") or {}).items() if k in KEEP_META}
    return {"state_dict": {k: v.detach().cpu() for k, v in state.items()}, "meta": meta}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("src", help="checkpoint written by training (trusted: it is unpickled)")
    p.add_argument("dst", help="weights-only output")
    args = p.parse_args(argv)
    try:
        ckpt = read_checkpoint(args.src)
    except DataFormatError as e:
        sys.exit(f"error: {e}")
    out = slim(ckpt)
    atomic_save(args.dst, lambda tmp: torch.save(out, tmp))
    print(f"{len(out['state_dict'])} tensors -> {args.dst}")


if __name__ == "__main__":
    main()
