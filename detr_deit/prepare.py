"""A dataset -> COCO json for MMDetection's ``CocoDataset``, one subcommand per dataset.

    python -m detr_deit.prepare scannet ROOT [--splits train val] [--min-area 100] [--out-dir D]
    python -m detr_deit.prepare voc VOCDEVKIT [--keep-difficult]

scannet: ScanNet frames-25k -> ``ROOT/annotations/{train,val}.json`` (20 ScanNet benchmark
classes, boxes enclosing each instance mask, instances under --min-area pixels dropped) through
common.scannet, for detr_deit/configs/_base_/datasets/scannet_frames.py.

voc: PASCAL VOC -> ``VOCDEVKIT/annotations/voc0712_trainval.json`` (VOC2007 + VOC2012 trainval)
and ``voc07_test.json`` through common.voc.voc_to_coco. Objects marked difficult become
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
from common.scannet import scannet_to_coco
from common.voc import voc_to_coco

VOC_SETS = {
    "voc0712_trainval": (("VOC2007", "trainval"), ("VOC2012", "trainval")),
    "voc07_test": (("VOC2007", "test"),),
}


def prepare_scannet(root: str | Path, splits=("train", "val"), min_area: int = 100,
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


def prepare_voc(root: str | Path, keep_difficult: bool = False,
                sets: dict = VOC_SETS) -> dict[str, Path]:
    """Write one COCO json per set of (year, image set) pairs under ROOT/annotations; returns
    their paths."""
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


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m detr_deit.prepare", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    datasets = p.add_subparsers(dest="dataset", required=True, metavar="{scannet,voc}")
    scannet = datasets.add_parser("scannet", help="ScanNet frames-25k -> COCO json",
                                  description="ScanNet frames-25k -> ROOT/annotations/"
                                              "{train,val}.json (COCO)")
    scannet.add_argument("root",
                         help="frames-25k root: sceneXXXX_XX/ folders and splits/{train,val}.txt")
    scannet.add_argument("--splits", nargs="+", default=["train", "val"])
    scannet.add_argument("--min-area", type=int, default=100,
                         help="drop smaller instances (pixels)")
    scannet.add_argument("--out-dir", help="default ROOT/annotations")
    voc = datasets.add_parser("voc", help="PASCAL VOC 2007 + 2012 -> COCO json",
                              description="PASCAL VOC -> VOCDEVKIT/annotations/"
                                          "{voc0712_trainval,voc07_test}.json (COCO)")
    voc.add_argument("root", help="VOCdevkit folder holding VOC2007/ and VOC2012/")
    voc.add_argument("--keep-difficult", action="store_true",
                     help="keep difficult objects as ordinary boxes")
    return p


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        if args.dataset == "scannet":
            prepare_scannet(args.root, args.splits, args.min_area, args.out_dir)
        else:
            prepare_voc(args.root, args.keep_difficult)
    except (DataFormatError, OSError) as e:
        sys.exit(f"error: {e}")


if __name__ == "__main__":
    main()
