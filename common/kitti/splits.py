"""KITTI ``ImageSets/{train,val,test}.txt``: one 6-digit frame id per line."""

from __future__ import annotations

from os import PathLike

from common.io import atomic_write_text, read_id_list


def read_split(path: str | PathLike) -> list[str]:
    """Read frame ids (blank lines ignored); DataFormatError for a line that is not 6 digits."""
    return read_id_list(path, "a split file of frame ids", "a 6-digit frame id",
                        lambda s: len(s) == 6 and s.isdigit())


def write_split(path: str | PathLike, ids) -> None:
    """Write frame ids (ints or strings) one per line, zero-padded to 6 digits, atomically."""
    atomic_write_text(path, "".join(f"{int(i):06d}\n" for i in ids))
