"""Atomic file writes and checked image reading.

A killed run never leaves a half-written file: everything is written to a temporary file in the
target's directory and moved over the target with ``os.replace`` (atomic on POSIX).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from os import PathLike
from pathlib import Path
from typing import IO, Any

import numpy as np

from common.errors import DataFormatError


@contextmanager
def atomic_path(path: str | PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success it replaces ``path`` atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@contextmanager
def atomic_open(path: str | PathLike, mode: str = "w", **kwargs: Any) -> Iterator[IO]:
    """``open`` for writing whose result appears at ``path`` only once fully written."""
    with atomic_path(path) as tmp, open(tmp, mode, **kwargs) as f:
        yield f


def atomic_write_text(path: str | PathLike, text: str) -> None:
    with atomic_open(path, "w", encoding="utf-8") as f:
        f.write(text)


def atomic_write_bytes(path: str | PathLike, data: bytes) -> None:
    with atomic_open(path, "wb") as f:
        f.write(data)


def atomic_write_json(path: str | PathLike, obj: Any, indent: int | None = 2) -> None:
    atomic_write_text(path, json.dumps(obj, indent=indent) + "\n")


def atomic_save(path: str | PathLike, save: Callable[[Path], None]) -> None:
    """Run ``save(tmp_path)`` (e.g. ``torch.save``, ``model.save``) and move the result in place.

    The temporary file keeps ``path``'s suffix, for savers that dispatch on it (Keras).
    """
    path = Path(path)
    with atomic_path(path) as tmp:
        target = tmp.with_suffix(path.suffix) if path.suffix else tmp
        save(target)
        if target != tmp:
            os.replace(target, tmp)


def read_image(path: str | PathLike) -> np.ndarray:
    """Read an image file as an (H, W, 3) uint8 RGB array; DataFormatError if unreadable."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            return np.asarray(im.convert("RGB"))
    except FileNotFoundError:
        raise DataFormatError(path, "expected an image file, found no such file") from None
    except (UnidentifiedImageError, OSError) as e:
        raise DataFormatError(path, f"expected a readable image (PNG/JPEG), got: {e}") from None
