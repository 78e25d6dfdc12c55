"""Pascal VOC detection AP: VOC2007 11-point and VOC2010+ area definitions, difficult ignored.

Follows py-faster-rcnn's ``voc_eval.py`` (the Python port of the VOC devkit's ``VOCevaldet.m``,
also what CenterNet's official code evaluates with): detections of a class are sorted by score
over the whole set; each takes the ground truth of its image with the highest IoU (1-based
inclusive pixels: widths are ``x2 - x1 + 1``); above 0.5 (strictly) it is a true positive unless
that object is ``difficult`` (then ignored) or already taken (then a false positive).
``difficult`` objects are not counted in the recall denominator. ``VOCevaldet.m`` and mmdet's
``eval_map`` accept an IoU equal to the threshold (``>=``): only that exact case differs.

Library: :func:`evaluate` on per-image arrays. CLI: ``python -m common.eval.voc ROOT DETS_DIR``
with DETS_DIR holding the devkit's result files ``*_{class}.txt`` (``image_id score x1 y1 x2 y2``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from common.errors import DataFormatError
from common.eval.box_iou import box_iou


def voc_ap(recall: np.ndarray, precision: np.ndarray, use_07_metric: bool = False) -> float:
    """AP (fraction) of a precision/recall curve ordered by decreasing score.

    use_07_metric: VOC2007's mean of max precision at recall >= 0, 0.1, ..., 1 (11 points);
    otherwise VOC2010+'s area under the monotone envelope of the curve.
    """
    recall, precision = np.asarray(recall, float), np.asarray(precision, float)
    if use_07_metric:
        ap = 0.0
        for t in np.arange(0.0, 1.1, 0.1):
            p = precision[recall >= t]
            ap += (p.max() if p.size else 0.0) / 11.0
        return float(ap)
    mrec = np.concatenate([[0.0], recall, [1.0]])
    mpre = np.concatenate([[0.0], precision, [0.0]])
    mpre = np.maximum.accumulate(mpre[::-1])[::-1]
    i = np.flatnonzero(mrec[1:] != mrec[:-1])
    return float(np.sum((mrec[i + 1] - mrec[i]) * mpre[i + 1]))


def eval_class(gt_boxes: Sequence[np.ndarray], gt_difficult: Sequence[np.ndarray],
               det_boxes: Sequence[np.ndarray], det_scores: Sequence[np.ndarray],
               iou_thr: float = 0.5, use_07_metric: bool = False
               ) -> tuple[float, np.ndarray, np.ndarray]:
    """AP (fraction), recall and precision of one class over a set of images.

    gt_boxes[i] (N_i, 4) x1 y1 x2 y2 and gt_difficult[i] (N_i,) of image i; det_boxes[i] (M_i, 4)
    and det_scores[i] (M_i,). AP is NaN when the class has no non-difficult object.
    """
    n_pos = int(sum(np.sum(~np.asarray(d, bool)) for d in gt_difficult))
    image = np.concatenate([np.full(len(s), i) for i, s in enumerate(det_scores)] or [[]])
    scores = np.concatenate([np.asarray(s, float) for s in det_scores] or [[]])
    boxes = np.concatenate([np.asarray(b, float).reshape(-1, 4) for b in det_boxes]
                           or [np.zeros((0, 4))])
    order = np.argsort(-scores, kind="stable")
    taken = [np.zeros(len(np.asarray(g).reshape(-1, 4)), bool) for g in gt_boxes]
    tp = np.zeros(len(order))
    fp = np.zeros(len(order))
    for d, k in enumerate(order):
        i = int(image[k])
        gts = np.asarray(gt_boxes[i], float).reshape(-1, 4)
        if len(gts) == 0:
            fp[d] = 1
            continue
        ious = box_iou(boxes[k], gts, inclusive=True)[0]
        j = int(np.argmax(ious))
        # py-faster-rcnn voc_eval.py: `if ovmax > ovthresh` (strict; VOCevaldet.m and mmdet: >=)
        if ious[j] > iou_thr:
            if gt_difficult[i][j]:
                continue
            if not taken[i][j]:
                tp[d] = 1
                taken[i][j] = True
            else:
                fp[d] = 1
        else:
            fp[d] = 1
    tp, fp = np.cumsum(tp), np.cumsum(fp)
    if n_pos == 0:
        return float("nan"), tp, tp
    recall = tp / n_pos
    precision = tp / np.maximum(tp + fp, np.finfo(np.float64).eps)
    return voc_ap(recall, precision, use_07_metric), recall, precision


def evaluate(gts: Sequence[dict], dets: Sequence[dict], classes: Sequence[str],
             iou_thr: float = 0.5, use_07_metric: bool = False) -> dict:
    """Per-class AP and their mean, in percent.

    gts: per image ``{"boxes": (N, 4), "labels": (N,) class names, "difficult": (N,) bool}``;
    dets: per image ``{"boxes": (M, 4), "labels": (M,), "scores": (M,)}``. Classes without a
    non-difficult object get AP None and are left out of the mean (as mmdet's eval_map does).
    """
    if len(gts) != len(dets):
        raise ValueError(f"{len(gts)} ground-truth images but {len(dets)} detection images")
    per_class: dict[str, float | None] = {}
    for cls in classes:
        g_mask = [np.asarray(g["labels"]) == cls for g in gts]
        d_mask = [np.asarray(d["labels"]) == cls for d in dets]
        gt_pairs = list(zip(gts, g_mask, strict=True))
        dt_pairs = list(zip(dets, d_mask, strict=True))
        ap, _, _ = eval_class(
            [np.asarray(g["boxes"], float).reshape(-1, 4)[m] for g, m in gt_pairs],
            [np.asarray(g["difficult"], bool)[m] for g, m in gt_pairs],
            [np.asarray(d["boxes"], float).reshape(-1, 4)[m] for d, m in dt_pairs],
            [np.asarray(d["scores"], float)[m] for d, m in dt_pairs],
            iou_thr, use_07_metric)
        per_class[cls] = None if np.isnan(ap) else 100.0 * ap
    valid = [v for v in per_class.values() if v is not None]
    return {"AP": per_class, "mAP": float(np.mean(valid)) if valid else None}


def read_detections(dets_dir: str | Path, classes: Sequence[str], ids: Sequence[str]
                    ) -> list[dict]:
    """Devkit result files ``*{class}.txt`` (lines ``image_id score x1 y1 x2 y2``) to per-image
    dicts in the order of ``ids``; a class without a file has no detections."""
    if not Path(dets_dir).is_dir():
        found = "a file" if Path(dets_dir).exists() else "nothing"
        raise DataFormatError(dets_dir, f"expected a folder of result files *_{{class}}.txt, "
                              f"found {found}")
    index = {fid: k for k, fid in enumerate(ids)}
    boxes = [[] for _ in ids]
    scores = [[] for _ in ids]
    labels = [[] for _ in ids]
    for cls in classes:
        files = sorted(Path(dets_dir).glob(f"*{cls}.txt"))
        for path in files:
            for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                parts = line.split()
                if not parts:
                    continue
                if len(parts) != 6:
                    raise DataFormatError(path, "expected 'image_id score x1 y1 x2 y2', got "
                                          f"{line.strip()!r}", lineno)
                if parts[0] not in index:
                    raise DataFormatError(path, f"image id {parts[0]!r} is not in the split",
                                          lineno)
                try:
                    vals = [float(v) for v in parts[1:]]
                except ValueError:
                    raise DataFormatError(path, f"expected numbers, got {line.strip()!r}",
                                          lineno) from None
                k = index[parts[0]]
                scores[k].append(vals[0])
                boxes[k].append(vals[1:])
                labels[k].append(cls)
    return [{"boxes": np.array(b, float).reshape(-1, 4), "scores": np.array(s, float),
             "labels": np.array(lab, dtype=str)}
            for b, s, lab in zip(boxes, scores, labels, strict=True)]


def read_ground_truth(root: str | Path, year_dir: str, split: str) -> tuple[list[str], list[dict]]:
    """Image ids of the split and their annotations as :func:`evaluate` expects them."""
    from common.voc import read_annotation, read_image_set, year_root

    ids = read_image_set(root, year_dir, split)
    ann_dir = year_root(root, year_dir) / "Annotations"
    gts = []
    for fid in ids:
        objs = read_annotation(ann_dir / f"{fid}.xml").objects
        gts.append({"boxes": np.array([o.bbox for o in objs], float).reshape(-1, 4),
                    "labels": np.array([o.name for o in objs], dtype=str),
                    "difficult": np.array([o.difficult for o in objs], bool)})
    return ids, gts


def main(argv: Sequence[str] | None = None) -> None:
    from common.voc import VOC_CLASSES

    ap = argparse.ArgumentParser(
        prog="python -m common.eval.voc",
        description="Pascal VOC mAP of devkit result files (VOC07 11-point and area AP).")
    ap.add_argument("root", help="VOCdevkit folder (or one VOCxxxx folder)")
    ap.add_argument("dets_dir", help="folder of result files *_{class}.txt")
    ap.add_argument("--year-dir", default="VOC2007", help="default: %(default)s")
    ap.add_argument("--split", default="test", help="ImageSets/Main split (default: %(default)s)")
    ap.add_argument("--iou", type=float, default=0.5, help="IoU threshold (default: 0.5)")
    ap.add_argument("--json", help="write both metrics' per-class AP and mAP (percent) here")
    args = ap.parse_args(argv)
    try:
        ids, gts = read_ground_truth(args.root, args.year_dir, args.split)
        dets = read_detections(args.dets_dir, VOC_CLASSES, ids)
    except (DataFormatError, OSError) as e:
        sys.exit(f"error: {e}")
    if not any(len(d["scores"]) for d in dets):
        print(f"warning: no detections in {args.dets_dir} for the {len(ids)} images: every AP "
              "is 0", file=sys.stderr)
    result = {name: evaluate(gts, dets, VOC_CLASSES, args.iou, use07)
              for name, use07 in (("voc07_11point", True), ("area", False))}
    print(f"{'class':<14}{'AP VOC07 11-pt':>16}{'AP area':>10}")
    for cls in VOC_CLASSES:
        a, b = result["voc07_11point"]["AP"][cls], result["area"]["AP"][cls]
        print(f"{cls:<14}{_fmt(a):>16}{_fmt(b):>10}")
    print(f"{'mAP':<14}{_fmt(result['voc07_11point']['mAP']):>16}"
          f"{_fmt(result['area']['mAP']):>10}")
    if args.json:
        from common.io import atomic_write_json

        atomic_write_json(args.json, result)


def _fmt(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f}"


if __name__ == "__main__":
    main()
