"""Reading torch files a user points at, with one-line errors that name the file.

``torch.load`` reports a missing, truncated or foreign file with a traceback, and
``load_state_dict`` a mismatched one with a page of key names; every CLI of the package reads
checkpoints and ``--pretrained`` weights through here instead.
"""

from __future__ import annotations

import pickle
import zipfile
from os import PathLike

import torch
from torch import nn

from common.errors import DataFormatError

CHECKPOINT_KEYS = ("model", "config", "classes")  # what centernet.train writes (and more)


def read_torch_file(path: str | PathLike, what: str, device="cpu"):
    """``torch.load(path, weights_only=True)``; DataFormatError naming ``path`` when it is
    missing, a folder, truncated or not a torch file. ``what`` is the expected content."""
    try:
        return torch.load(path, map_location=device, weights_only=True)
    except FileNotFoundError:
        raise DataFormatError(path, f"expected {what}, found no such file") from None
    except IsADirectoryError:
        raise DataFormatError(path, f"expected {what}, got a folder") from None
    except (RuntimeError, EOFError, OSError, pickle.UnpicklingError, zipfile.BadZipFile,
            ValueError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise DataFormatError(path, f"expected {what}, got a truncated or non-torch file "
                                    f"({first})") from None


def read_checkpoint(path: str | PathLike, device="cpu") -> dict:
    """A centernet.train checkpoint dict (keys model, config, classes, ...)."""
    state = read_torch_file(path, "a centernet.train checkpoint", device)
    missing = [k for k in CHECKPOINT_KEYS if not isinstance(state, dict) or k not in state]
    if missing:
        raise DataFormatError(path, f"expected a centernet.train checkpoint, got a torch file "
                                    f"without {', '.join(missing)}")
    return state


def load_weights(module: nn.Module, weights: dict, path: str | PathLike, what: str) -> None:
    """``module.load_state_dict(weights)`` (strict); DataFormatError naming ``path`` and the
    first mismatching parameter when the file holds another network."""
    if not isinstance(weights, dict):
        raise DataFormatError(path, f"expected {what} (a state dict), got a "
                                    f"{type(weights).__name__}")
    try:
        module.load_state_dict(weights)
    except RuntimeError as e:
        lines = str(e).splitlines()
        detail = (lines[1] if len(lines) > 1 else lines[0]).strip().rstrip(". ")
        if len(detail) > 160:
            detail = detail[:157] + "..."
        raise DataFormatError(path, f"expected {what}, got weights of another network "
                                    f"({detail})") from None
