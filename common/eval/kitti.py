"""KITTI object detection evaluation with the official devkit's semantics, on the CPU.

Reproduces ``evaluate_object.cpp`` of the KITTI object devkit (Geiger et al., CVPR 2012; the
2019 revision adds AP|R40, Simonelli et al., ICCV 2019):

* difficulty (``common.kitti.difficulty``): min box height 40/25/25 px (a box of exactly the
  minimum counts), max occlusion 0/1/2, max truncation 0.15/0.3/0.5; ground truth outside the
  level is "ignored" (neither TP nor FN, may absorb a detection);
* neighbouring classes are ignored (Van for Car, Person_sitting for Pedestrian);
* detections lower than the level's minimum height are ignored (of any class: a devkit quirk);
* DontCare areas remove false positives for every metric, measured with that metric's overlap;
* 41 recall samples from the devkit's ``getThresholds``; AP11 averages precision at recall
  0, 0.1, ..., 1 and AP40 at 1/40, ..., 1 (the 2019 devkit); AOS from ``alpha``;
* bbox (image), bev (``groundBoxOverlap``) and 3d (``box3DOverlap``) overlaps.

Library: :func:`evaluate` on lists of per-frame arrays as made by
``common.kitti.objects_to_arrays``. CLI: ``python -m common.eval.kitti GT_DIR PRED_DIR``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from common.errors import DataFormatError
from common.eval import kitti_match
from common.kitti.difficulty import (
    DIFFICULTY_NAMES,
    MAX_OCCLUSION,
    MAX_TRUNCATION,
    MIN_HEIGHT,
)

METRICS = ("bbox", "aos", "bev", "3d")
DEFAULT_CLASSES = ("Car", "Pedestrian", "Cyclist")
N_SAMPLE_PTS = 41  # devkit: recall steps

NEIGHBOURS = {"car": "van", "pedestrian": "person_sitting"}  # devkit cleanData

# IoU thresholds per class (devkit MIN_OVERLAP; Van/Truck/Tram/Person_sitting as mmdet3d's extra
# classes). The loose set lowers the BEV/3D thresholds to 0.5 / 0.25 (commented-out devkit line).
STRICT_OVERLAP = {"car": 0.7, "van": 0.7, "truck": 0.7, "tram": 0.7, "pedestrian": 0.5,
                  "person_sitting": 0.5, "cyclist": 0.5}
LOOSE_3D_OVERLAP = {"car": 0.5, "van": 0.5, "truck": 0.5, "tram": 0.5, "pedestrian": 0.25,
                    "person_sitting": 0.25, "cyclist": 0.25}


def min_overlap(cls: str, metric: str, loose: bool = False) -> float:
    """IoU threshold of the devkit for class ``cls`` and metric (bbox/aos, bev, 3d)."""
    key = cls.lower()
    table = LOOSE_3D_OVERLAP if loose and metric in ("bev", "3d") else STRICT_OVERLAP
    if key not in table:
        raise ValueError(f"no IoU threshold for class {cls!r}; known: {sorted(table)}")
    return table[key]


def get_thresholds(scores: np.ndarray, n_gt: int) -> np.ndarray:
    """devkit getThresholds: the TP scores closest to 41 evenly spaced recall values."""
    v = np.sort(np.asarray(scores, dtype=np.float64))[::-1]
    out = []
    current = 0.0
    for i in range(len(v)):
        l_recall = (i + 1) / n_gt
        r_recall = (i + 2) / n_gt if i < len(v) - 1 else l_recall
        if (r_recall - current) < (current - l_recall) and i < len(v) - 1:
            continue
        out.append(v[i])
        current += 1.0 / (N_SAMPLE_PTS - 1.0)
    return np.array(out, dtype=np.float64)


def _suffix_max(values: np.ndarray) -> np.ndarray:
    """devkit ``precision[i] = *max_element(precision.begin()+i, end())`` over the 41 samples
    (std::max_element keeps a leading NaN and skips later ones)."""
    out = values.copy()
    for i in range(len(values)):
        if np.isnan(values[i]):
            continue
        rest = values[i:]
        out[i] = np.max(rest[~np.isnan(rest)])
    return out


def ap11(precision: np.ndarray) -> float:
    """11-point AP (devkit before 2019): mean precision at recall 0, 0.1, ..., 1, in percent."""
    return float(np.sum(precision[0:N_SAMPLE_PTS:4]) / 11 * 100)


def ap40(precision: np.ndarray) -> float:
    """AP|R40 (devkit since 2019): mean precision at recall 1/40, ..., 1 (0 excluded), percent."""
    return float(np.sum(precision[1:N_SAMPLE_PTS]) / 40 * 100)


class _Frames:
    """All frames concatenated, with per-frame offsets and the pairwise intersections."""

    def __init__(self, gt_annos: Sequence[dict], dt_annos: Sequence[dict], need_3d: bool):
        if len(gt_annos) != len(dt_annos):
            raise ValueError(f"{len(gt_annos)} ground-truth frames but {len(dt_annos)} "
                             "detection frames")
        geo3d = ("dimensions", "location", "rotation_y") if need_3d else ()
        self.gt = _concat(gt_annos, ("name", "bbox", "truncated", "occluded", "alpha") + geo3d,
                          "ground truth")
        self.dt = _concat(dt_annos, ("name", "bbox", "score") + geo3d, "detection")
        self.gt_off = _offsets(gt_annos)
        self.dt_off = _offsets(dt_annos)
        n_pairs = np.diff(self.gt_off) * np.diff(self.dt_off)
        self.in_off = np.concatenate([[0], np.cumsum(n_pairs)]).astype(np.int64)
        self.gt_height = self.gt["bbox"][:, 3] - self.gt["bbox"][:, 1]
        # devkit: int32_t height = fabs(y1 - y2) (truncated towards zero)
        self.dt_height = np.trunc(np.abs(self.dt["bbox"][:, 1] - self.dt["bbox"][:, 3]))
        self.is_dc = self.gt["name"] == "dontcare"
        self._inter: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def intersections(self, metric: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(flat detection-major intersections, detection sizes, ground-truth sizes)."""
        geo = "bbox" if metric == "aos" else metric
        if geo not in self._inter:
            kind, dt_box, dt_size = _geometry(geo, self.dt)
            _, gt_box, gt_size = _geometry(geo, self.gt)
            inter = kitti_match.frames_intersection(kind, dt_box, gt_box, self.dt_off,
                                                    self.gt_off, self.in_off)
            self._inter[geo] = (inter, dt_size, gt_size)
        return self._inter[geo]


_WIDTH = {"bbox": 4, "dimensions": 3, "location": 3}
_OPTIONAL = {"alpha": -10.0, "dimensions": 0.0, "location": 0.0, "rotation_y": 0.0}


def _concat(annos: Sequence[dict], required: tuple[str, ...], what: str
            ) -> dict[str, np.ndarray]:
    """Concatenate per-frame arrays; keys not ``required`` default to zeros (alpha to -10, the
    devkit's "no orientation")."""
    out = {}
    for key in ("name", "bbox", "score", "truncated", "occluded", "alpha", "dimensions",
                "location", "rotation_y"):
        shape = (-1, _WIDTH[key]) if key in _WIDTH else (-1,)
        parts = []
        for k, a in enumerate(annos):
            if key in a:
                parts.append(np.asarray(a[key], dtype=str if key == "name" else np.float64)
                             .reshape(shape))
            elif key in required:
                raise ValueError(f"{what} frame {k} has no {key!r} array")
            else:
                n = len(a["name"])
                parts.append(np.full((n, *shape[1:]), _OPTIONAL.get(key, 0.0)))
        empty = np.zeros((0, *shape[1:]), dtype=str if key == "name" else np.float64)
        out[key] = np.ascontiguousarray(np.concatenate(parts)) if parts else empty
    out["name"] = np.char.lower(out["name"].astype(str))
    return out


def _offsets(annos: Sequence[dict]) -> np.ndarray:
    return np.concatenate([[0], np.cumsum([len(a["name"]) for a in annos])]).astype(np.int64)


def _geometry(metric: str, a: dict) -> tuple[int, np.ndarray, np.ndarray]:
    """(kernel kind, boxes, sizes) for the devkit overlap of ``metric``."""
    if metric == "bbox":
        b = a["bbox"]
        return 0, b, (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    h, w, l = a["dimensions"].T
    x, y, z = a["location"].T
    if metric == "bev":
        return 1, np.ascontiguousarray(np.stack([x, z, l, w, a["rotation_y"]], 1)), l * w
    if metric == "3d":
        return 2, np.ascontiguousarray(np.stack([x, y, z, h, w, l, a["rotation_y"]], 1)), h * w * l
    raise ValueError(f"unknown metric {metric!r}; expected one of {METRICS}")


def _clean_data(frames: _Frames, cls: str, diff: int) -> tuple[np.ndarray, np.ndarray, int]:
    """devkit cleanData: ignored_gt (0 valid, 1 ignored, -1 other class) and ignored_det."""
    cls = cls.lower()
    gt_name, dt_name = frames.gt["name"], frames.dt["name"]
    valid = np.where(gt_name == cls, 1, np.where(gt_name == NEIGHBOURS.get(cls, "\0"), 0, -1))
    ignore = ((frames.gt["occluded"] > MAX_OCCLUSION[diff])
              | (frames.gt["truncated"] > MAX_TRUNCATION[diff])
              | (frames.gt_height < MIN_HEIGHT[diff]))
    ign_gt = np.where((valid == 1) & ~ignore, 0, np.where((valid == 0) | (valid == 1), 1, -1))
    ign_dt = np.where(frames.dt_height < MIN_HEIGHT[diff], 1, np.where(dt_name == cls, 0, -1))
    return ign_gt.astype(np.int64), ign_dt.astype(np.int64), int(np.sum(ign_gt == 0))


def _eval_class(frames: _Frames, cls: str, metric: str, diff: int, min_ov: float
                ) -> tuple[np.ndarray, np.ndarray]:
    """devkit eval_class: filtered precision and orientation similarity at 41 recall samples."""
    inter, dt_size, gt_size = frames.intersections(metric)
    ign_gt, ign_dt, n_gt = _clean_data(frames, cls, diff)
    args = (inter, frames.in_off, frames.dt_off, frames.gt_off, dt_size, gt_size, ign_gt, ign_dt,
            frames.is_dc, frames.dt["score"])
    scores = kitti_match.tp_scores(*args, min_ov)
    thresholds = get_thresholds(scores, n_gt)
    pr = kitti_match.pr_counts(*args, frames.dt["alpha"], frames.gt["alpha"], min_ov, thresholds)
    precision = np.zeros(max(N_SAMPLE_PTS, len(thresholds)))
    similarity = np.zeros_like(precision)
    with np.errstate(divide="ignore", invalid="ignore"):  # 0/0 is NaN, as in the C++
        precision[:len(thresholds)] = pr[:, 0] / (pr[:, 0] + pr[:, 1])
        similarity[:len(thresholds)] = pr[:, 3] / (pr[:, 0] + pr[:, 1])
    return (_suffix_max(precision[:N_SAMPLE_PTS]), _suffix_max(similarity[:N_SAMPLE_PTS]))


def evaluate(gt_annos: Sequence[dict], dt_annos: Sequence[dict],
             classes: Sequence[str] = DEFAULT_CLASSES, metrics: Sequence[str] = METRICS,
             loose: bool = False) -> dict:
    """Evaluate detections against ground truth, frame by frame.

    gt_annos, dt_annos: one dict per frame with the arrays of ``common.kitti.objects_to_arrays``
    (name (N,), truncated, occluded, alpha, bbox (N,4), dimensions (N,3) hwl, location (N,3),
    rotation_y; detections need name, bbox, score and, for bev/3d, the 3D fields; without alpha
    they have no orientation). Returns ``{cls: {metric: {"AP11": [easy, moderate,
    hard], "AP40": [...]}}}`` in percent. "aos" is left out when a detection has alpha == -10
    (the devkit's "no orientation" marker).
    """
    for m in metrics:
        if m not in METRICS:
            raise ValueError(f"unknown metric {m!r}; expected some of {METRICS}")
    frames = _Frames(gt_annos, dt_annos, need_3d=bool({"bev", "3d"} & set(metrics)))
    with_aos = not np.any(frames.dt["alpha"] == -10)
    result: dict = {}
    for cls in classes:
        result[cls] = {}
        curves = {}  # one matching pass gives both bbox precision and AOS
        for metric in metrics:
            if metric == "aos" and not with_aos:
                continue
            geo = "bbox" if metric == "aos" else metric
            if geo not in curves:
                min_ov = min_overlap(cls, geo, loose)
                curves[geo] = [_eval_class(frames, cls, geo, d, min_ov) for d in range(3)]
            k = 1 if metric == "aos" else 0
            result[cls][metric] = {"AP11": [ap11(c[k]) for c in curves[geo]],
                                   "AP40": [ap40(c[k]) for c in curves[geo]]}
    return result


# With fewer valid ground-truth objects than recall samples, get_thresholds yields fewer than
# 41 thresholds and AP40 cannot reach 100: such a cell is reported n/a, not as a capped number.
MIN_VALID_GT = N_SAMPLE_PTS


def valid_gt_counts(gt_annos: Sequence[dict], classes: Sequence[str] = DEFAULT_CLASSES
                    ) -> dict[str, list[int]]:
    """Valid ground-truth objects (cleanData's ``ignored_gt == 0``) per class and level:
    ``{cls: [easy, moderate, hard]}``. ``gt_annos`` as for :func:`evaluate`."""
    no_dets = [{"name": np.zeros(0, dtype=str), "bbox": np.zeros((0, 4)), "score": np.zeros(0)}
               for _ in gt_annos]
    frames = _Frames(gt_annos, no_dets, need_3d=False)
    return {cls: [_clean_data(frames, cls, d)[2] for d in range(3)] for cls in classes}


def na_note(counts: dict[str, list[int]]) -> str:
    """The cells :func:`flatten_result` leaves out, for a record's notes: ``"n/a (fewer than 41
    valid ground-truth objects): Car easy (0), ..."``, or "" when none."""
    cells = [f"{cls} {level} ({n})" for cls, per_level in counts.items()
             for level, n in zip(DIFFICULTY_NAMES, per_level, strict=True) if n < MIN_VALID_GT]
    if not cells:
        return ""
    return f"n/a (fewer than {MIN_VALID_GT} valid ground-truth objects): {', '.join(cells)}"


def flatten_result(result: dict, counts: dict[str, list[int]] | None = None
                   ) -> dict[str, float]:
    """:func:`evaluate`'s ``{cls: {metric: {"AP11"|"AP40": [easy, moderate, hard]}}}`` ->
    ``{"Car/3d/AP40/moderate": value, ...}``, the metric names of a results record.

    With ``counts`` (:func:`valid_gt_counts`), a class and level with fewer than MIN_VALID_GT
    valid ground-truth objects is left out (n/a)."""
    def kept(cls: str, k: int) -> bool:
        return counts is None or counts.get(cls, [MIN_VALID_GT] * 3)[k] >= MIN_VALID_GT

    return {f"{cls}/{metric}/{ap}/{level}": float(v)
            for cls, per_metric in result.items()
            for metric, per_ap in per_metric.items()
            for ap, values in per_ap.items()
            for k, (level, v) in enumerate(zip(DIFFICULTY_NAMES, values, strict=True))
            if kept(cls, k)}


def format_table(result: dict, loose: bool = False) -> str:
    """The familiar per-class table: one line per class and metric, AP11 and AP40."""
    lines = [f"{'class':<15}{'metric':<7}{'IoU':>5}   {'AP11 easy / mod / hard':>24}   "
             f"{'AP40 easy / mod / hard':>24}"]
    for cls, per_metric in result.items():
        for metric, ap in per_metric.items():
            iou = min_overlap(cls, metric, loose)
            a11 = " / ".join(f"{v:6.2f}" for v in ap["AP11"])
            a40 = " / ".join(f"{v:6.2f}" for v in ap["AP40"])
            lines.append(f"{cls:<15}{metric:<7}{iou:>5.2f}   {a11:>24}   {a40:>24}")
    return "\n".join(lines)


def load_folder(gt_dir: str | Path, pred_dir: str | Path, ids: Sequence[str] | None = None
                ) -> tuple[list[dict], list[dict], list[str]]:
    """Read KITTI label files (GT_DIR or GT_DIR/label_2) and result files (PRED_DIR or
    PRED_DIR/data) for ``ids`` (default: every ground-truth file). A missing result file means
    no detections; the ids lacking one are returned third."""
    from tqdm import tqdm

    from common.kitti import objects_to_arrays, read_label

    gt_dir, pred_dir = Path(gt_dir), Path(pred_dir)
    if (gt_dir / "label_2").is_dir():
        gt_dir = gt_dir / "label_2"
    if (pred_dir / "data").is_dir():
        pred_dir = pred_dir / "data"
    for d in (gt_dir, pred_dir):
        if not d.is_dir():
            raise DataFormatError(d, "expected a folder of KITTI label/result .txt files")
    if ids is None:
        ids = sorted(p.stem for p in gt_dir.glob("*.txt"))
        if not ids:
            raise DataFormatError(gt_dir, "no ground-truth .txt files found")
    gts, dts, missing = [], [], []
    for fid in tqdm(ids, desc="reading labels", unit="frame", disable=len(ids) < 500):
        gts.append(objects_to_arrays(read_label(gt_dir / f"{fid}.txt")))
        pred = pred_dir / f"{fid}.txt"
        if pred.is_file():
            objs = read_label(pred)
            for o in objs:
                if o.score is None:
                    raise DataFormatError(pred, f"result line for {o.type} has no score "
                                          "(16th field)")
            dts.append(objects_to_arrays(objs))
        else:
            dts.append(objects_to_arrays([]))
            missing.append(fid)
    return gts, dts, missing


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        prog="python -m common.eval.kitti",
        description="Evaluate KITTI result files against label_2 with the official devkit's "
                    "rules (AP11 and AP40; bbox, aos, bev, 3d).")
    ap.add_argument("gt_dir", help="folder of ground-truth label files (or its parent with "
                                   "label_2/)")
    ap.add_argument("pred_dir", help="folder of result files: KITTI label lines + score")
    ap.add_argument("--split", help="file of frame ids to evaluate (default: all label files)")
    ap.add_argument("--classes", nargs="+", default=list(DEFAULT_CLASSES),
                    help="classes to evaluate (default: %(default)s)")
    ap.add_argument("--metrics", nargs="+", default=list(METRICS), choices=METRICS,
                    help="metrics (default: all four)")
    ap.add_argument("--loose", action="store_true",
                    help="loose BEV/3D IoU thresholds (0.5 Car, 0.25 Pedestrian/Cyclist)")
    ap.add_argument("--json", help="write the APs (percent) to this JSON file")
    args = ap.parse_args(argv)
    try:
        for cls in args.classes:
            min_overlap(cls, "bbox")
        ids = None
        if args.split:
            from common.kitti import read_split

            ids = read_split(args.split)
        gts, dts, missing = load_folder(args.gt_dir, args.pred_dir, ids)
        if len(missing) == len(gts):
            print(f"warning: no prediction files in {args.pred_dir} for the {len(gts)} frames: "
                  "every AP is 0", file=sys.stderr)
        elif missing:
            print(f"note: {len(missing)} of {len(gts)} frames have no result file "
                  "(counted as no detections)", file=sys.stderr)
        result = evaluate(gts, dts, args.classes, args.metrics, args.loose)
    except (DataFormatError, ValueError, OSError) as e:
        sys.exit(f"error: {e}")
    print(format_table(result, args.loose))
    if args.json:
        from common.io import atomic_write_json

        atomic_write_json(args.json, result)


if __name__ == "__main__":
    main()
