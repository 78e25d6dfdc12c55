"""COCO json through pycocotools: checked loading, atomic saving, detections as COCO results."""

from __future__ import annotations

import contextlib
import io
from os import PathLike

import numpy as np
from pycocotools.coco import COCO

from common.errors import DataFormatError
from common.io import atomic_write_json, read_json

_REQUIRED = {
    "images": ("id",),
    "annotations": ("id", "image_id", "category_id", "bbox"),
    "categories": ("id", "name"),
}


def check_coco_dict(data, path: str | PathLike = "<dict>") -> None:
    """DataFormatError unless ``data`` has images/annotations/categories lists with their keys
    and every annotation's category_id is a category's id."""
    if not isinstance(data, dict):
        raise DataFormatError(path, f"expected a JSON object at the top, got {type(data).__name__}")
    for key, fields in _REQUIRED.items():
        items = data.get(key)
        if not isinstance(items, list):
            raise DataFormatError(
                path, f"expected a list under {key!r}, got {type(items).__name__}")
        for i, item in enumerate(items):
            missing = [f for f in fields if not isinstance(item, dict) or f not in item]
            if missing:
                raise DataFormatError(path, f"expected {key}[{i}] to have key(s) {missing}")
    cat_ids = {c["id"] for c in data["categories"]}
    for i, ann in enumerate(data["annotations"]):
        bbox = ann["bbox"]
        if not (isinstance(bbox, list) and len(bbox) == 4
                and all(isinstance(v, int | float) for v in bbox)):
            raise DataFormatError(
                path, f"expected annotations[{i}].bbox = [x, y, w, h], got {bbox!r}")
        if ann["category_id"] not in cat_ids:
            raise DataFormatError(path, f"expected annotations[{i}].category_id to be the id of "
                                  f"an entry of 'categories', got {ann['category_id']!r}")


def load_coco(path: str | PathLike) -> COCO:
    """Load a COCO annotation file as a pycocotools ``COCO``; DataFormatError if malformed."""
    data = read_json(path, "a COCO json file")
    check_coco_dict(data, path)
    return coco_from_dict(data)


def coco_from_dict(data: dict) -> COCO:
    """A pycocotools ``COCO`` built from an in-memory dict (its index messages silenced)."""
    coco = COCO()
    coco.dataset = data
    with contextlib.redirect_stdout(io.StringIO()):
        coco.createIndex()
    return coco


def save_coco(path: str | PathLike, data: dict) -> None:
    """Write a COCO dict (checked first) as json, atomically."""
    check_coco_dict(data, path)
    atomic_write_json(path, data, indent=None)


def detections_to_coco(image_ids, boxes, scores, labels, category_ids=None) -> list[dict]:
    """COCO result records from detections.

    ``image_ids`` (N,), ``boxes`` (N, 4) x1, y1, x2, y2 in continuous pixel coordinates,
    ``scores`` (N,), ``labels`` (N,) class indices; ``category_ids`` maps a label index to a COCO
    category id (a sequence or dict; default label + 1). Returns
    ``[{"image_id", "category_id", "bbox": [x, y, w, h], "score"}]`` for ``COCO.loadRes``.
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    image_ids, scores, labels = (np.asarray(a).reshape(-1) for a in (image_ids, scores, labels))
    if not len(image_ids) == len(boxes) == len(scores) == len(labels):
        raise ValueError(f"expected equal lengths, got {len(image_ids)} image ids, "
                         f"{len(boxes)} boxes, {len(scores)} scores, {len(labels)} labels")
    out = []
    for img, (x1, y1, x2, y2), s, lab in zip(image_ids, boxes, scores, labels, strict=True):
        cat = int(lab) + 1 if category_ids is None else int(category_ids[int(lab)])
        out.append({"image_id": img.item(), "category_id": cat,
                    "bbox": [float(x1), float(y1), float(x2 - x1), float(y2 - y1)],
                    "score": float(s)})
    return out
