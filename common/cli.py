"""Command-line pieces the packages' commands share: their parsers' common arguments, and the
command line of a dict of options (for a script that runs another command's parser)."""

from __future__ import annotations

import argparse
from pathlib import Path


def command_parser(prog: str, doc: str) -> argparse.ArgumentParser:
    """The parser of ``python -m PROG``, with the module docstring ``doc`` as its help."""
    return argparse.ArgumentParser(prog=f"python -m {prog}", description=doc,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)


def config_parser(prog: str, doc: str, configs: str, checkpoint: bool = False
                  ) -> argparse.ArgumentParser:
    """command_parser of a command on one OpenMMLab config: CONFIG (a file, or its name under
    the folder ``configs``), CHECKPOINT when ``checkpoint``, and --data-root."""
    p = command_parser(prog, doc)
    p.add_argument("config", help=f"config file, or its name under {configs}")
    if checkpoint:
        p.add_argument("checkpoint", help="checkpoint (.pth)")
    p.add_argument("--data-root", help="dataset root (default: the config's data_root)")
    return p


def reproduce_parser(prog: str, doc: str, data: str, minutes: float,
                     budget: str = "training time budget") -> argparse.ArgumentParser:
    """command_parser of a synthetic benchmark: --data-root (``data`` says what it holds) and
    --work-dir (both Paths), --minutes (the training budget ``budget``, default ``minutes``)."""
    p = command_parser(prog, doc)
    p.add_argument("--data-root", required=True, type=Path, help=data)
    p.add_argument("--work-dir", required=True, type=Path)
    p.add_argument("--minutes", type=float, default=minutes, help=budget)
    return p


def command_line(**options) -> list[str]:
    """The arguments that set ``options`` on a parser: ``data_root='d'`` -> ``--data-root d``,
    True -> the bare flag, False or None -> nothing, a list or tuple -> its items."""
    argv = []
    for name, value in options.items():
        if value is None or value is False:
            continue
        argv.append("--" + name.replace("_", "-"))
        if isinstance(value, list | tuple):
            argv += [str(v) for v in value]
        elif value is not True:
            argv.append(str(value))
    return argv
