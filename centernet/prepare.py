"""KITTI for ctdet: the train / val splits as COCO json (common.kitti.coco) in CenterNet's
layout, outside the KITTI root:

    OUT/annotations/kitti_{train,val}.json   2D boxes of Car, Pedestrian, Cyclist; DontCare and
                                             Van / Person_sitting as ``ignore: 1`` regions
    OUT/images  -> KITTI_ROOT/training/image_2
    OUT/label_2 -> KITTI_ROOT/training/label_2   (ground truth of common.eval.kitti)

    python -m centernet.prepare KITTI_ROOT OUT

``centernet.train --data kitti --data-root OUT`` then trains on it.
"""

from __future__ import annotations

import sys
from os import PathLike
from pathlib import Path

from common.cli import command_parser
from common.coco import save_coco
from common.errors import DataFormatError
from common.kitti.coco import DEFAULT_CLASSES, kitti_to_coco

SPLITS = ("train", "val")


def _link(link: Path, target: Path) -> None:
    if not target.is_dir():
        raise DataFormatError(target, "expected a KITTI folder here")
    if link.is_symlink() and link.resolve() != target.resolve():
        link.unlink()
    if not link.exists():
        link.symlink_to(target.resolve(), target_is_directory=True)


def prepare(kitti_root: str | PathLike, out: str | PathLike,
            classes=DEFAULT_CLASSES) -> Path:
    """Write OUT's json (kept when already there) and links; returns OUT."""
    kitti_root, out = Path(kitti_root), Path(out)
    for split in SPLITS:
        if not (kitti_root / "ImageSets" / f"{split}.txt").is_file():
            raise DataFormatError(kitti_root / "ImageSets", f"expected {split}.txt (a KITTI "
                                  "root, e.g. from `python -m common.synth kitti`)")
    (out / "annotations").mkdir(parents=True, exist_ok=True)
    _link(out / "images", kitti_root / "training" / "image_2")
    _link(out / "label_2", kitti_root / "training" / "label_2")
    for split in SPLITS:
        path = out / "annotations" / f"kitti_{split}.json"
        if not path.exists():
            save_coco(path, kitti_to_coco(kitti_root, split, classes))
    return out


def main(argv=None) -> None:
    p = command_parser("centernet.prepare", __doc__)
    p.add_argument("kitti_root", help="KITTI root with ImageSets/{train,val}.txt and training/")
    p.add_argument("out", help="output folder (CenterNet's layout)")
    args = p.parse_args(argv)
    try:
        out = prepare(args.kitti_root, args.out)
    except (DataFormatError, OSError) as e:
        sys.exit(f"error: {e}")
    print(f"{out}: annotations/kitti_{{train,val}}.json, images, label_2")


if __name__ == "__main__":
    main()
