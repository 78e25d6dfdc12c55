"""COCO box AP through pycocotools' COCOeval (no hand-written COCO metric).

AP is averaged over IoU 0.50:0.05:0.95, 101 recall points and categories; AP50/AP75 at one IoU;
APs/APm/APl by object area (< 32^2, < 96^2, larger). ``iscrowd`` objects are ignored by
pycocotools; other per-annotation flags (such as VOC's ``difficult``) are not.

Library: :func:`evaluate`. CLI: ``python -m common.eval.coco GT.json DETS.json [--json OUT]``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from collections.abc import Sequence
from os import PathLike

from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from common.errors import DataFormatError
from common.io import read_json

STAT_NAMES = ("AP", "AP50", "AP75", "APs", "APm", "APl")
_RESULT_KEYS = ("image_id", "category_id", "bbox", "score")


def load_detections(path: str | PathLike, gt: COCO | None = None) -> list[dict]:
    """A COCO results file: a JSON list of {image_id, category_id, bbox [x, y, w, h], score};
    with ``gt``, every image_id and category_id must be one of its images and categories."""
    dets = read_json(path, "a COCO results json file")
    if not isinstance(dets, list):
        raise DataFormatError(path, "expected a JSON list of detections")
    for i, d in enumerate(dets):
        missing = [k for k in _RESULT_KEYS if not isinstance(d, dict) or k not in d]
        if missing:
            raise DataFormatError(path, f"expected detection [{i}] to have key(s) {missing}")
    if gt is not None:
        _check_ids(gt, dets, path)
    return dets


def _check_ids(gt: COCO, dets: Sequence[dict], source: str | PathLike) -> None:
    """DataFormatError naming ``source`` for a detection of an image or category not in ``gt``
    (pycocotools would silently leave it out of every metric)."""
    images, cats = set(gt.getImgIds()), set(gt.getCatIds())
    for i, d in enumerate(dets):
        if d["image_id"] not in images:
            raise DataFormatError(source, f"expected detection [{i}] to be on an image of the "
                                  f"ground truth, got image_id {d['image_id']!r}")
        if d["category_id"] not in cats:
            raise DataFormatError(source, f"expected detection [{i}] to be of a category of the "
                                  f"ground truth, got category_id {d['category_id']!r}")


def evaluate(gt: COCO, dets: Sequence[dict], verbose: bool = False) -> dict[str, float | None]:
    """COCO box metrics in percent: AP, AP50, AP75, APs, APm, APl.

    gt: a pycocotools COCO (``common.coco.load_coco``); dets: result records. With no
    detection every metric is 0; a metric pycocotools cannot define (no object of that size)
    is None. A detection of an image or category not in ``gt`` is a ValueError (pycocotools
    would leave it out silently). ``verbose`` prints pycocotools' summary table.
    """
    if len(dets) == 0:
        return dict.fromkeys(STAT_NAMES, 0.0)
    _check_ids(gt, dets, "<detections>")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        coco_dt = gt.loadRes(list(dets))
        ev = COCOeval(gt, coco_dt, iouType="bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    if verbose:
        print("\n".join(line for line in out.getvalue().splitlines()
                        if line.lstrip().startswith("Average")))
    return {name: (None if v < 0 else 100.0 * float(v))
            for name, v in zip(STAT_NAMES, ev.stats[:6], strict=True)}


def main(argv: Sequence[str] | None = None) -> None:
    from common.coco import load_coco

    ap = argparse.ArgumentParser(prog="python -m common.eval.coco",
                                 description="COCO box AP of a results file (pycocotools).")
    ap.add_argument("gt", help="COCO annotation json")
    ap.add_argument("dets", help="COCO results json (list of detections)")
    ap.add_argument("--json", help="write the metrics (percent) to this file")
    args = ap.parse_args(argv)
    try:
        gt = load_coco(args.gt)
        dets = load_detections(args.dets, gt)
        if not dets:
            print(f"warning: no detections in {args.dets}: every AP is 0", file=sys.stderr)
        result = evaluate(gt, dets, verbose=True)
    except (DataFormatError, ValueError) as e:
        sys.exit(f"error: {e}")
    print("  ".join(f"{k} {'-' if v is None else f'{v:.2f}'}" for k, v in result.items()))
    if args.json:
        from common.io import atomic_write_json

        atomic_write_json(args.json, result)


if __name__ == "__main__":
    main()
