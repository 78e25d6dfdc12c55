"""Command line: ``python -m common.synth {kitti,voc,scannet} OUT_DIR --num N --seed S``."""

from __future__ import annotations

import argparse
import sys

from common.errors import DataFormatError
from common.synth.generate import DATASETS, DEFAULT_NUM, MARKER, SynthError, generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m common.synth",
        description="Write a small synthetic dataset in the real on-disk layout of KITTI object, "
        "Pascal VOC 2007 or ScanNet frames-25k. Deterministic for a seed; re-running "
        f"with the same arguments writes nothing ({MARKER} records them); an "
        "interrupted run resumes; a folder holding anything else (the same dataset with "
        "another --num included) is refused.",
    )
    parser.add_argument("dataset", choices=DATASETS, help="which dataset to write")
    parser.add_argument(
        "out_dir",
        help="output folder (created; must be empty or a previous output of this command)",
    )
    parser.add_argument(
        "--num",
        type=int,
        default=None,
        help="number of frames/images; ScanNet frames come 5 per scene (default: "
        + ", ".join(f"{d} {n}" for d, n in DEFAULT_NUM.items())
        + ")",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace a dataset generated with other arguments in OUT_DIR",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if args.num is not None and args.num < 1:
        parser.error(f"--num must be >= 1, got {args.num}")
    try:
        written = generate(
            args.dataset,
            args.out_dir,
            args.num,
            args.seed,
            overwrite=args.overwrite,
            progress=not args.quiet,
        )
    except (SynthError, DataFormatError, OSError) as e:
        sys.exit(f"error: {e}")
    if not written:
        num = DEFAULT_NUM[args.dataset] if args.num is None else args.num
        print(f"{args.out_dir}: already generated, nothing to do ({args.dataset}, --num {num}, "
              f"--seed {args.seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
