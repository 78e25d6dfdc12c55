"""Atomic file writes and checked image and JSON reading.

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
        try:
            save(target)
            if target != tmp:
                os.replace(target, tmp)
        finally:
            if target != tmp:
                target.unlink(missing_ok=True)  # a save that failed half-way


def remove_orphans(paths) -> list[Path]:
    """Delete the temporary files that saves of ``paths`` killed mid-write left behind (the
    ``.NAME.XXXXXXXX.tmp`` / ``.NAME.XXXXXXXX<suffix>`` files of atomic_path and atomic_save,
    beside NAME; NAME may be a glob pattern such as ``*.pth``); returns them. Call it at the
    start of a run that writes ``paths``."""
    orphans = sorted(q for p in map(Path, paths) if p.parent.is_dir()
                     for q in p.parent.glob(f".{p.name}.*") if q.is_file())
    for orphan in orphans:
        orphan.unlink()
    return orphans


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


def read_json(path: str | PathLike, what: str = "a JSON file") -> Any:
    """Parse a UTF-8 JSON file; DataFormatError naming the file (and the line of a syntax error)
    when it is missing, a folder, unreadable or not JSON. ``what`` is the expected content."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise DataFormatError(path, f"expected {what}, found no such file") from None
    except IsADirectoryError:
        raise DataFormatError(path, f"expected {what}, got a folder") from None
    except json.JSONDecodeError as e:
        raise DataFormatError(path, f"expected valid JSON, got: {e.msg} (column {e.colno})",
                              e.lineno) from None
    except UnicodeDecodeError as e:
        raise DataFormatError(path, f"expected UTF-8 JSON, got undecodable bytes: {e}") from None
    except OSError as e:
        raise DataFormatError(path, f"expected {what}, cannot read it: {e.strerror}") from None


def read_id_list(path: str | PathLike, what: str, item: str,
                 is_id: Callable[[str], bool]) -> list[str]:
    """The ids of a split file (ImageSets style): one per line, stripped, blank lines skipped.

    DataFormatError naming the file: "expected {what}, found no such file" when it is missing,
    and "expected {item}, got '...'" with the line number for a line that ``is_id`` rejects.
    """
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise DataFormatError(path, f"expected {what}, found no such file") from None
    ids = []
    for lineno, line in enumerate(lines, 1):
        s = line.strip()
        if not s:
            continue
        if not is_id(s):
            raise DataFormatError(path, f"expected {item}, got {s!r}", lineno)
        ids.append(s)
    return ids
