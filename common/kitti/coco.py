"""KITTI <-> COCO for 2D detectors: label_2 -> COCO json, COCO detections -> KITTI result files.

The monocular pipeline: a 2D detector trains on the COCO json of KITTI's 2D boxes, its COCO
detections become one KITTI result file per frame, which ``deep3dbox.predict --boxes DIR`` lifts to
3D and ``common.eval.kitti`` scores::

    python -m common.kitti.coco KITTI_ROOT --split train --out kitti_train.json
    python -m common.kitti.coco KITTI_ROOT --split val --out kitti_val.json --classes Car

``--split`` is a name (``KITTI_ROOT/ImageSets/NAME.txt``), a split file, or ``all`` (every image
of ``image_2``). ``file_name`` is relative to ``KITTI_ROOT/{subset}/image_2``; for CenterNet's
``--data coco`` layout, put the json at ``ROOT/annotations/instances_train2017.json`` and link
``ROOT/train2017`` to that image folder. Back from detections, in Python::

    from common.kitti.coco import coco_detections_to_kitti
    coco_detections_to_kitti(dets, coco["images"], "results/data", ("Car", "Pedestrian", "Cyclist"))

Pixel convention: KITTI boxes are continuous pixel coordinates (devkit readme: "0-based index";
its boxoverlap computes areas as (x2 - x1) * (y2 - y1), no +1, unlike VOC), the same convention
as COCO, so ``bbox = [x1, y1, x2 - x1, y2 - y1]`` with no shift either way.

Annotations besides the ``classes`` objects (``iscrowd: 0, ignore: 0``), as regions the KITTI
devkit (cpp/evaluate_object.cpp) neither rewards nor penalises, marked ``iscrowd: 1, ignore: 1``
(pycocotools' COCOeval sets ignore := iscrowd and matches a crowd region by intersection over the
detection's area, like the devkit's DontCare test):

- ``DontCare`` regions hide objects of every class, so each becomes K annotations, one per
  category (COCOeval matches crowds within a category only); ``kitti_type: "DontCare"``.
- The devkit's neighbouring classes, ``Van`` for ``Car`` and ``Person_sitting`` for
  ``Pedestrian`` (when that class is in ``classes`` and the neighbour is not), one annotation
  of the class they neighbour.

A loader that trains on every annotation (official CenterNet ctdet does) must skip ``ignore: 1``
or be given a json made with ``ignore_regions=False`` (``--no-ignore-regions``). Each annotation
also keeps the label's ``truncated``, ``occluded`` and ``kitti_difficulty`` (0 easy, 1 moderate,
2 hard, -1 none; -1 for ignore regions).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from os import PathLike
from pathlib import Path

from tqdm import tqdm

from common.coco import save_coco
from common.errors import DataFormatError
from common.kitti.difficulty import difficulty
from common.kitti.frameset import KittiFrameSet, check_image
from common.kitti.label import OBJECT_CLASSES, KittiObject, write_label

DEFAULT_CLASSES = ("Car", "Pedestrian", "Cyclist")

# cpp/evaluate_object.cpp, cleanData: a Van is not a false positive for Car, nor a
# Person_sitting for Pedestrian.
NEIGHBOURS = {"Van": "Car", "Person_sitting": "Pedestrian"}

# Values of an unknown field in a KITTI result line (devkit matlab/writeLabels.m defaults):
# truncation -1, occlusion -1, alpha -10, h w l -1, location -1000, rotation_y -10.
UNKNOWN_DIMENSIONS = (-1.0, -1.0, -1.0)
UNKNOWN_LOCATION = (-1000.0, -1000.0, -1000.0)
UNKNOWN_ANGLE = -10.0


def check_classes(classes: Sequence[str]) -> tuple[str, ...]:
    """``classes`` as a tuple; ValueError for a name that is not a KITTI object class."""
    classes = tuple(classes)
    for name in classes:
        if name not in OBJECT_CLASSES:
            raise ValueError(f"unknown KITTI class {name!r}, expected some of "
                             f"{', '.join(OBJECT_CLASSES)}")
    if not classes or len(set(classes)) != len(classes):
        raise ValueError(f"expected distinct class names, got {list(classes)}")
    return classes


def _annotations(objs: list[KittiObject], cat_ids: dict[str, int],
                 ignore_regions: bool) -> list[dict]:
    """COCO annotation dicts (without ids) of one frame's label objects."""
    out = []
    for o in objs:
        x1, y1, x2, y2 = (float(v) for v in o.bbox)
        base = {"bbox": [x1, y1, x2 - x1, y2 - y1], "area": (x2 - x1) * (y2 - y1),
                  "truncated": float(o.truncated), "occluded": int(o.occluded),
                  "kitti_type": o.type}
        if o.type in cat_ids:
            out.append({"category_id": cat_ids[o.type], **base, "iscrowd": 0, "ignore": 0,
                        "kitti_difficulty": difficulty(y2 - y1, o.occluded, o.truncated)})
            continue
        if not ignore_regions:
            continue
        if o.type == "DontCare":
            hidden = list(cat_ids.values())
        elif NEIGHBOURS.get(o.type) in cat_ids:
            hidden = [cat_ids[NEIGHBOURS[o.type]]]
        else:
            continue
        out += [{"category_id": c, **base, "iscrowd": 1, "ignore": 1, "kitti_difficulty": -1}
                for c in hidden]
    return out


def kitti_to_coco(root: str | PathLike, split_ids, classes: Sequence[str] = DEFAULT_CLASSES,
                  subset: str = "training", ignore_regions: bool = True) -> dict:
    """COCO-format dict of the 2D boxes of a split's frames.

    ``split_ids``: a list of 6-digit frame ids, or anything :class:`KittiFrameSet` takes as
    ``split`` (a split name or file, None for every image). Images: ``id`` = int(frame id),
    ``file_name`` "ID.png" relative to ``root/subset/image_2``, ``width``, ``height``,
    ``kitti_id``. Categories: ``classes`` with ids 1..K in that order. Annotations: see the module
    docstring; none when ``subset`` has no label_2 (testing).
    """
    cat_ids = {name: i for i, name in enumerate(check_classes(classes), 1)}
    frames = KittiFrameSet(root, split=split_ids, subset=subset)
    images, annotations = [], []
    for fid in tqdm(frames.ids, desc="KITTI -> COCO", unit="frame", disable=len(frames) < 500):
        width, height = check_image(frames.image_path(fid))
        images.append({"id": int(fid), "file_name": f"{fid}.png", "width": width,
                       "height": height, "kitti_id": fid})
        if frames.has_labels:
            for ann in _annotations(frames.label(fid), cat_ids, ignore_regions):
                annotations.append({"id": len(annotations) + 1, "image_id": int(fid), **ann})
    return {
        "images": images, "annotations": annotations,
        "categories": [{"id": i, "name": n, "supercategory": "none"} for n, i in cat_ids.items()],
    }


def _frame_id(image: Mapping) -> str:
    return str(image.get("kitti_id") or Path(image["file_name"]).stem)


def coco_detections_to_kitti(detections: Sequence[Mapping], images: Sequence[Mapping],
                             out_dir: str | PathLike, classes: Sequence[str]) -> list[Path]:
    """Write ``out_dir/ID.txt`` KITTI result files (2D box + score) for every image, atomically.

    ``detections``: COCO result records ``{"image_id", "category_id", "bbox": [x, y, w, h],
    "score"}``; ``images``: the COCO images (frame id from ``kitti_id``, else the ``file_name``
    stem); category id k is ``classes[k - 1]``. The 3D fields get the devkit's unknown values
    (alpha -10, so the evaluator skips AOS). An image without detections gets an empty file, as
    the devkit needs one file per frame. Returns the written paths in ``images`` order.
    """
    classes = check_classes(classes)
    per_image: dict[int, list[KittiObject]] = {img["id"]: [] for img in images}
    for i, det in enumerate(detections):
        try:
            x, y, w, h = (float(v) for v in det["bbox"])
            image_id, cat, score = det["image_id"], int(det["category_id"]), float(det["score"])
        except (KeyError, TypeError, ValueError) as e:
            raise ValueError(f"detection {i}: expected image_id, category_id, bbox [x, y, w, h] "
                             f"and score, got {dict(det)!r} ({e!r})") from None
        if image_id not in per_image:
            raise ValueError(f"detection {i}: image_id {image_id!r} is not among the images")
        if not 1 <= cat <= len(classes):
            raise ValueError(f"detection {i}: category_id {cat} outside 1..{len(classes)} "
                             f"of classes {list(classes)}")
        per_image[image_id].append(KittiObject(
            type=classes[cat - 1], truncated=-1.0, occluded=-1, alpha=UNKNOWN_ANGLE,
            bbox=[x, y, x + w, y + h], dimensions=UNKNOWN_DIMENSIONS, location=UNKNOWN_LOCATION,
            rotation_y=UNKNOWN_ANGLE, score=score))
    out_dir = Path(out_dir)
    paths = []
    for img in images:
        path = out_dir / f"{_frame_id(img)}.txt"
        write_label(path, per_image[img["id"]])
        paths.append(path)
    return paths


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        prog="python -m common.kitti.coco",
        description="Convert the 2D boxes of a KITTI split to a COCO json (file_name relative to "
                    "KITTI_ROOT/SUBSET/image_2, category ids 1..K in --classes order).")
    p.add_argument("kitti_root", help="KITTI root holding SUBSET/{image_2,label_2} and ImageSets/")
    p.add_argument("--split", required=True,
                   help="split name (KITTI_ROOT/ImageSets/NAME.txt), split file, or 'all'")
    p.add_argument("--out", required=True, help="COCO json to write")
    p.add_argument("--classes", nargs="+", default=list(DEFAULT_CLASSES),
                   help="object classes, category ids 1..K in this order (default: %(default)s)")
    p.add_argument("--subset", default="training", help="training or testing (default: training)")
    p.add_argument("--no-ignore-regions", action="store_true",
                   help="leave out DontCare / neighbouring-class regions (iscrowd: 1)")
    args = p.parse_args(argv)
    try:
        check_classes(args.classes)
    except ValueError as e:
        p.error(str(e))
    try:
        split = None if args.split == "all" else args.split
        data = kitti_to_coco(args.kitti_root, split, args.classes, args.subset,
                             ignore_regions=not args.no_ignore_regions)
        save_coco(args.out, data)
    except DataFormatError as e:
        sys.exit(f"error: {e}")
    n_obj = sum(a["iscrowd"] == 0 for a in data["annotations"])
    print(f"wrote {args.out}: {len(data['images'])} images, {n_obj} objects, "
          f"{len(data['annotations']) - n_obj} ignore regions")


if __name__ == "__main__":
    main()
