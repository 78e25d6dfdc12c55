"""The one exception type for bad input files, with a message that says where and what."""

from __future__ import annotations

from os import PathLike


class DataFormatError(ValueError):
    """A dataset file is missing, unreadable or malformed.

    The message reads ``PATH[:LINE]: expected WHAT, got WHAT`` so a user can open the file at the
    offending line.
    """

    def __init__(self, path: str | PathLike, message: str, line: int | None = None):
        self.path = str(path)
        self.line = line
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")
