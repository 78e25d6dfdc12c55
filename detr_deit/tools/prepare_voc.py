"""PASCAL VOC -> COCO json: ``python -m detr_deit.tools.prepare_voc VOCDEVKIT``.

Writes ``VOCDEVKIT/annotations/voc0712_trainval.json`` (VOC2007 + VOC2012 trainval) and
``voc07_test.json`` through common.voc.voc_to_coco. Objects marked difficult become
``iscrowd=1`` by default, so MMDetection's CocoDataset ignores them in training and pycocotools
ignores detections on them, as MMDetection's VOCDataset does (``--keep-difficult`` keeps them
as ordinary boxes).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from common.coco import save_coco
from common.errors import DataFormatError
from common.voc import voc_to_coco

SETS = {
    "voc0712_trainval": (("VOC2007", "trainval"), ("VOC2012", "trainval")),
    "voc07_test": (("VOC2007", "test"),),
}


def prepare(root: str | Path, keep_difficult: bool = False,
            sets: dict = SETS) -> dict[str, Path]:
    root = Path(root)
    written = {}
    for name, splits in sets.items():
        coco = voc_to_coco(root, splits)
        if not keep_difficult:
            for ann in coco["annotations"]:
                ann["iscrowd"] = int(ann.get("difficult", 0))
        written[name] = root / "annotations" / f"{name}.json"
        save_coco(written[name], coco)
        print(f"{name}: {len(coco['images'])} images, {len(coco['annotations'])} boxes "
              f"-> {written[name]}")
    return written


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("root", help="VOCdevkit folder holding VOC2007/ and VOC2012/")
    p.add_argument("--keep-difficult", action="store_true",
                   help="keep difficult objects as ordinary boxes")
    args = p.parse_args(argv)
    try:
        prepare(args.root, args.keep_difficult)
    except (DataFormatError, OSError) as e:
        sys.exit(f"error: {e}")


if __name__ == "__main__":
    main()
