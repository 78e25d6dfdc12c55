"""ScanNet frames-25k -> COCO json: ``python -m detr_deit.tools.prepare_scannet ROOT``.

Writes ``ROOT/annotations/{train,val}.json`` (20 ScanNet benchmark classes, boxes enclosing
each instance mask, instances under --min-area pixels dropped) through common.scannet, for the
``CocoDataset`` of detr_deit/configs/_base_/datasets/scannet_frames.py.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from common.coco import save_coco
from common.errors import DataFormatError
from common.scannet import scannet_to_coco


def prepare(root: str | Path, splits=("train", "val"), min_area: int = 100,
            out_dir: str | Path | None = None) -> dict[str, Path]:
    """Write one COCO json per split (scene list ROOT/splits/SPLIT.txt); returns their paths."""
    root = Path(root)
    out_dir = Path(out_dir) if out_dir else root / "annotations"
    written = {}
    for split in splits:
        coco = scannet_to_coco(root, split, min_area=min_area, with_masks=False)
        written[split] = out_dir / f"{split}.json"
        save_coco(written[split], coco)
        print(f"{split}: {len(coco['images'])} frames, {len(coco['annotations'])} boxes "
              f"-> {written[split]}")
    return written


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("root", help="frames-25k root: sceneXXXX_XX/ folders and splits/{train,val}.txt")
    p.add_argument("--splits", nargs="+", default=["train", "val"])
    p.add_argument("--min-area", type=int, default=100, help="drop smaller instances (pixels)")
    p.add_argument("--out-dir", help="default ROOT/annotations")
    args = p.parse_args(argv)
    try:
        prepare(args.root, args.splits, args.min_area, args.out_dir)
    except (DataFormatError, OSError) as e:
        sys.exit(f"error: {e}")


if __name__ == "__main__":
    main()
