"""KITTI ``ImageSets/{train,val,test}.txt``: one 6-digit frame id per line."""

from __future__ import annotations

from os import PathLike

from common.errors import DataFormatError
from common.io import atomic_write_text


def read_split(path: str | PathLike) -> list[str]:
    """Read frame ids (blank lines ignored); DataFormatError for a line that is not 6 digits."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        raise DataFormatError(
            path, "expected a split file of frame ids, found no such file") from None
    ids = []
    for lineno, line in enumerate(lines, 1):
        s = line.strip()
        if not s:
            continue
        if len(s) != 6 or not s.isdigit():
            raise DataFormatError(path, f"expected a 6-digit frame id, got {s!r}", lineno)
        ids.append(s)
    return ids


def write_split(path: str | PathLike, ids) -> None:
    """Write frame ids (ints or strings) one per line, zero-padded to 6 digits, atomically."""
    atomic_write_text(path, "".join(f"{int(i):06d}\n" for i in ids))
