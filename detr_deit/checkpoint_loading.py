"""Loading full training checkpoints under torch >= 2.6.

torch 2.6 changed ``torch.load``'s default to ``weights_only=True``, which only unpickles
tensors and plain containers. mmengine 0.10.7 calls ``torch.load(path, map_location=...)``
without the argument, and a full checkpoint (``epoch_N.pth``) also pickles the message hub's
``HistoryBuffer`` objects and numpy scalars of the logs, so ``--resume`` fails with
"Weights only load failed". ``trusted_checkpoints()`` restores the old default for the duration
of one ``with`` block only (resume, or loading a checkpoint to test): full unpickling can run
code, so use it on checkpoints you wrote yourself. Weights-only files written by
``detr_deit.tools.slim_checkpoint`` load without it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager

import torch


@contextmanager
def trusted_checkpoints() -> Iterator[None]:
    """Within the block, ``torch.load`` defaults to ``weights_only=False`` (old behaviour)."""
    original = torch.load

    @functools.wraps(original)
    def load(*args, **kwargs):
        kwargs.setdefault("weights_only", False)
        return original(*args, **kwargs)

    torch.load = load
    try:
        yield
    finally:
        torch.load = original
