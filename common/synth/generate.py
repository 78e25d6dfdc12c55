"""Run a dataset generator: deterministic, resumable, idempotent, with a progress bar.

A generator module ``common.synth.<dataset>`` provides ``OUTPUTS`` (glob patterns of the
top-level folders it writes), ``frame_paths(out, index)``, ``write_frame(out, index, seed)``
(every file of one frame, from ``frame_rng(seed, index)`` only) and ``write_index(out, num,
seed)`` (split lists and other per-dataset files).

``OUT/synth.json`` records the arguments. Re-running with the same arguments writes nothing and
an interrupted run resumes (frames whose files all exist are kept: they are deterministic). A
folder holding anything else, including the same dataset with another ``--num`` (the splits
would be redrawn), is refused unless ``overwrite``.
"""

from __future__ import annotations

import importlib
import json
import shutil
from os import PathLike
from pathlib import Path

import numpy as np
from tqdm import tqdm

from common.io import atomic_write_json

DATASETS = ("kitti", "voc", "scannet")
# frames (kitti, scannet) or images (voc) of the default datasets: each model trains on them in
# minutes on 2 CPU cores
DEFAULT_NUM = {"kitti": 120, "voc": 600, "scannet": 300}
MARKER = "synth.json"
VERSION = 7  # bump when a generator's output changes for the same arguments


class SynthError(ValueError):
    """The output folder cannot be used as asked (holds something else)."""


def generator(name: str):
    if name not in DATASETS:
        raise SynthError(f"expected a dataset in {DATASETS}, got {name!r}")
    return importlib.import_module(f"common.synth.{name}")


def frame_rng(seed: int, index: int, dataset: str) -> np.random.Generator:
    """The random generator of one frame: frames are independent of each other and of --num."""
    return np.random.default_rng([seed, index, DATASETS.index(dataset)])


def split_tail(n: int, fraction: float = 0.2) -> int:
    """How many of ``n`` items go to the held-out split (at least 1 when n >= 2)."""
    return 0 if n < 2 else max(1, round(n * fraction))


def generate(
    dataset: str,
    out: str | PathLike,
    num: int | None = None,
    seed: int = 0,
    overwrite: bool = False,
    progress: bool = True,
) -> bool:
    """Write ``num`` frames of ``dataset`` under ``out``; returns False when ``out`` already holds
    exactly this dataset (same dataset, num and seed).

    Raises SynthError if ``out`` holds a dataset generated with other arguments, another --num
    included (unless ``overwrite``: the generator's own outputs are then removed first), or
    unrelated files. The output of an older generator version for the same arguments is replaced.
    """
    gen = generator(dataset)
    num = DEFAULT_NUM[dataset] if num is None else num
    if num < 1:
        raise SynthError(f"expected --num >= 1, got {num}")
    out = Path(out)
    args = {"dataset": dataset, "num": int(num), "seed": int(seed), "version": VERSION}
    marker = out / MARKER
    if marker.exists():
        try:
            old = json.loads(marker.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError):
            old = {}
        old_args = {k: old.get(k) for k in args}
        if old_args == args and old.get("complete"):
            return False
        # an older generator's output of the same request is replaced without asking
        outdated = {**old_args, "version": VERSION} == args
        if old_args != args:  # another --num too: write_index would redraw the splits
            if not (overwrite or outdated):
                raise SynthError(
                    f"{out} holds a dataset generated with {old_args}, not {args}; "
                    "pass --overwrite or choose another folder"
                )
            old_gen = generator(old["dataset"]) if old.get("dataset") in DATASETS else gen
            for pattern in old_gen.OUTPUTS:
                for target in out.glob(pattern):
                    if target.is_dir():
                        shutil.rmtree(target)
    elif out.exists() and any(out.iterdir()):
        raise SynthError(f"{out} is not empty and holds no {MARKER}: choose an empty folder")
    atomic_write_json(marker, {**args, "complete": False})
    for index in tqdm(range(num), desc=f"synth {dataset}", unit="frame", disable=not progress):
        if not all(p.exists() for p in gen.frame_paths(out, index)):
            gen.write_frame(out, index, seed)
    gen.write_index(out, num, seed)
    atomic_write_json(marker, {**args, "complete": True})
    return True
