"""Evaluate Deep3DBox: KITTI AP (bbox, AOS, BEV, 3D) plus orientation, dimension, location errors.

    python -m deep3dbox.test --data-root KITTI --split val --checkpoint RUN/best.keras \
        --out RUN/eval [--boxes gt|RESULT_DIR] [--record RUN/results.json]

Runs :mod:`deep3dbox.predict` into OUT/data, scores it with ``common.eval.kitti`` (the devkit's
rules) and, on predictions matched to ground truth (same class, 2D IoU >= 0.5, greedy by IoU),
reports per class: orientation score OS = mean (1 + cos(alpha error)) / 2 (the paper's AOS/AP),
mean absolute alpha error and median absolute yaw error (deg), mean absolute h/w/l error (m)
next to that of always predicting the class mean (meta.json's), the 3D location error (m) and
the paper's box errors (:mod:`deep3dbox.box_errors`: centre, closest point, 3D IoU).
Writes OUT/metrics.json and a ``common.results`` record.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from common.errors import DataFormatError
from common.eval import kitti as kitti_eval
from common.eval.box_iou import box_iou
from common.io import atomic_write_json
from common.kitti.difficulty import difficulty
from common.kitti.geometry import wrap_angle
from common.results import DATASETS, ResultRecord, check_name, make_record, save_record
from deep3dbox.box_errors import box_centres, closest_points, paired_iou3d

# Mousavian et al. CVPR 2017, Table 1: KITTI *test* Car AOS (%) with their own 2D detector.
PAPER = {"Car/aos/AP11/easy": 92.90, "Car/aos/AP11/moderate": 88.75, "Car/aos/AP11/hard": 76.76}
PAPER_SOURCE = ("Mousavian et al., 3D Bounding Box Estimation Using Deep Learning and Geometry, "
                "CVPR 2017, Table 1 (KITTI test server, Car AOS, own 2D detections; figures not "
                "re-checked against the PDF in this repository)")


def match_frame(gt: dict, dt: dict, cls: str, min_iou: float = 0.5) -> list[tuple[int, int]]:
    """One frame's matches of class ``cls``: (ground-truth index, prediction index) pairs with
    2D IoU >= min_iou, greedy by IoU (each box matched at most once)."""
    gi, di = np.flatnonzero(gt["name"] == cls), np.flatnonzero(dt["name"] == cls)
    if len(gi) == 0 or len(di) == 0:
        return []
    iou = box_iou(gt["bbox"][gi], dt["bbox"][di])
    pairs = []
    while iou.size and iou.max() >= min_iou:
        g, d = np.unravel_index(iou.argmax(), iou.shape)
        pairs.append((int(gi[g]), int(di[d])))
        iou[g, :], iou[:, d] = -1, -1
    return pairs


def matched_pairs(gts: list[dict], dts: list[dict], classes,
                  min_iou: float = 0.5) -> dict[str, tuple[dict, dict]]:
    """Per class, the matched ground truth and predictions (:func:`match_frame` in every frame)
    as two dicts of arrays with the fields of ``common.kitti.objects_to_arrays``."""
    fields = ("bbox", "alpha", "dimensions", "location", "rotation_y", "truncated", "occluded")
    out = {}
    for cls in classes:
        g_rows, d_rows = [], []
        for gt, dt in zip(gts, dts, strict=True):
            for g, d in match_frame(gt, dt, cls, min_iou):
                g_rows.append({k: gt[k][g] for k in fields})
                d_rows.append({k: dt[k][d] for k in fields})
        if g_rows:
            out[cls] = tuple({k: np.array([r[k] for r in rows], dtype=np.float64) for k in fields}
                             for rows in (g_rows, d_rows))
    return out


def matched_errors(gts: list[dict], dts: list[dict], classes, means: dict | None = None,
                   min_iou: float = 0.5, level: int | None = None) -> dict:
    """Per class on matched boxes: OS, alpha error (deg, mean), yaw error (deg, median),
    dimension error (m, h w l; with ``means`` {class: hwl} also the class-mean baseline's),
    location error (m), and the paper's centre / closest-point errors (m) and 3D IoU.

    ``level`` (0 easy, 1 moderate, 2 hard) keeps only the ground-truth boxes the KITTI devkit
    counts at that level (:func:`common.kitti.difficulty.difficulty`); None keeps every match."""
    out = {}
    for cls, (g, d) in matched_pairs(gts, dts, classes, min_iou).items():
        if level is not None:
            lvl = difficulty(g["bbox"][:, 3] - g["bbox"][:, 1], g["occluded"], g["truncated"])
            keep = (lvl >= 0) & (lvl <= level)
            if not keep.any():
                continue
            g, d = ({k: v[keep] for k, v in a.items()} for a in (g, d))
        da = wrap_angle(d["alpha"] - g["alpha"])
        dyaw = wrap_angle(d["rotation_y"] - g["rotation_y"])
        dl = np.linalg.norm(d["location"] - g["location"], axis=1)
        centre = np.linalg.norm(box_centres(d["dimensions"], d["location"])
                                - box_centres(g["dimensions"], g["location"]), axis=1)
        near = np.linalg.norm(closest_points(d["dimensions"], d["location"], d["rotation_y"])
                              - closest_points(g["dimensions"], g["location"], g["rotation_y"]),
                              axis=1)
        iou3d = paired_iou3d(d["dimensions"], d["location"], d["rotation_y"],
                             g["dimensions"], g["location"], g["rotation_y"])
        out[cls] = {"count": len(da), "orientation_score": float(np.mean((1 + np.cos(da)) / 2)),
                    "alpha_error_deg": float(np.degrees(np.abs(da)).mean()),
                    "yaw_median_err_deg": float(np.degrees(np.median(np.abs(dyaw)))),
                    "dims_abs_err_m": np.abs(d["dimensions"] - g["dimensions"]).mean(0).tolist(),
                    "location_error_m": float(dl.mean()),
                    "location_error_median_m": float(np.median(dl)),
                    "centre_err_m": float(centre.mean()),
                    "closest_point_err_m": float(near.mean()),
                    "iou3d_mean": float(iou3d.mean())}
        if means is not None and cls in means:
            out[cls]["dims_abs_err_baseline_m"] = np.abs(
                np.asarray(means[cls]) - g["dimensions"]).mean(0).tolist()
    return out


def flatten(ap: dict, errors: dict, counts: dict | None = None,
            errors_moderate: dict | None = None) -> dict[str, float]:
    """Record metrics: "Car/aos/AP40/moderate" style keys (cells with fewer than
    ``kitti_eval.MIN_VALID_GT`` valid objects in ``counts`` left out, n/a), the scalar errors of
    :func:`matched_errors` ("Car/orientation_score", ...) and per axis "Car/dims_abs_err_m/h";
    ``errors_moderate`` (the same on moderate boxes) as "Car/moderate/dims_abs_err_m/h"."""
    metrics = kitti_eval.flatten_result(ap, counts)
    for prefix, errs in (("", errors), ("moderate/", errors_moderate or {})):
        for cls, e in errs.items():
            for key, v in e.items():
                if key == "count":
                    continue
                name = f"{cls}/{prefix}{key}"
                if isinstance(v, list):
                    metrics.update({f"{name}/{axis}": x for axis, x in zip("hwl", v, strict=True)})
                else:
                    metrics[name] = v
    return metrics


def evaluate(data_root, split: str, checkpoint, out_dir, boxes: str = "gt",
             classes=("Car", "Pedestrian", "Cyclist"), flip_test: bool = False) -> dict:
    """Infer into OUT_DIR/data (``flip_test``: :mod:`deep3dbox.predict`'s), evaluate, write
    OUT_DIR/metrics.json; returns the report. Of ``classes``, those the model was not trained on
    (absent from meta.json's class means) are left out, with a note: it predicts none, and a
    record would show an AP of 0 for them."""
    from deep3dbox.predict import run

    out_dir = Path(out_dir)
    t0 = time.perf_counter()
    ids = run(data_root, split, boxes, checkpoint, out_dir / "data", flip_test=flip_test)
    ms_per_image = 1000 * (time.perf_counter() - t0) / max(len(ids), 1)
    means = json.loads((Path(checkpoint).parent / "meta.json").read_text())["class_means"]
    if untrained := [c for c in classes if c not in means]:
        print(f"note: not evaluated, the model was not trained on them: {', '.join(untrained)}",
              file=sys.stderr)
    gts, dts, _ = kitti_eval.load_folder(Path(data_root) / "training" / "label_2",
                                         out_dir / "data", ids)
    present = [c for c in classes if c in means and any((g["name"] == c).any() for g in gts)]
    ap = kitti_eval.evaluate(gts, dts, classes=present)
    errors = matched_errors(gts, dts, present, means)
    report = {"ap": ap, "errors": errors,
              "errors_moderate": matched_errors(gts, dts, present, means, level=1),
              "infer_ms_per_image": ms_per_image,
              "valid_gt_counts": kitti_eval.valid_gt_counts(gts, present),
              "frames": len(ids), "table": kitti_eval.format_table(ap)}
    atomic_write_json(out_dir / "metrics.json", report)
    return report


def config_name(meta: dict) -> str:
    """A record's config of the run ``meta`` (meta.json) describes: "vgg16-32px-bins2", with
    "_bn" for VGG16-BN and "-letterbox" for letterboxed crops."""
    bn = "_bn" if meta.get("train_args", {}).get("batch_norm") else ""
    crop = "-letterbox" if meta.get("crop_mode", "stretch") == "letterbox" else ""
    return f"vgg16{bn}-{meta['input_size']}px{crop}-bins{meta['num_bins']}"


def report_record(report: dict, meta: dict, *, dataset: str, split: str,
                  model: str = "Deep3DBox", **fields) -> ResultRecord:
    """The results record of an :func:`evaluate` report of the model ``meta`` (meta.json)
    describes; ``fields``: train_seconds, params, notes (the n/a note of the cells left out is
    appended)."""
    counts = report.get("valid_gt_counts")
    na = kitti_eval.na_note(counts) if counts else ""
    notes = "; ".join(n for n in (fields.pop("notes", ""), na) if n)
    return make_record(
        model=model, config=config_name(meta),
        dataset=dataset, split=split, task="mono3d",
        metrics=flatten(report["ap"], report["errors"], counts,
                        report.get("errors_moderate")), paper=PAPER,
        paper_source=PAPER_SOURCE, infer_ms_per_image=report["infer_ms_per_image"],
        notes=notes, **fields)


def _shown(path_arg: str) -> str:
    """A --boxes or --checkpoint value for a record: a path under the working directory as a
    relative path (records and docs/benchmarks.md do not carry this machine's absolute paths)."""
    if path_arg == "gt":
        return path_arg
    path = Path(path_arg).resolve()
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else path_arg


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m deep3dbox.test",
                                description=__doc__.split("\n")[0])
    p.add_argument("--data-root", required=True)
    p.add_argument("--split", default="val", help="split name or file")
    p.add_argument("--checkpoint", required=True, help=".keras file with meta.json beside it")
    p.add_argument("--out", required=True, help="folder for data/*.txt and metrics.json")
    p.add_argument("--boxes", default="gt", help="'gt' or a folder of KITTI 2D result files")
    p.add_argument("--record", default=None, help="write a results record (JSON) here")
    p.add_argument("--dataset", default="kitti", choices=DATASETS,
                   help="dataset name for the record")
    p.add_argument("--model", default="Deep3DBox", choices=("Deep3DBox", "CenterNet -> Deep3DBox"),
                   help="model name for the record: 'CenterNet -> Deep3DBox' when the 2D boxes "
                        "come from CenterNet")
    p.add_argument("--flip-test", action="store_true",
                   help="average each crop's dimensions and alpha with its mirror's")
    args = p.parse_args(argv)
    if args.record:
        try:
            check_name("split", Path(args.split).stem)  # before the evaluation, not after
        except ValueError as e:
            p.error(f"--record: {e}")
    try:
        report = evaluate(args.data_root, args.split, args.checkpoint, args.out, args.boxes,
                          flip_test=args.flip_test)
        if args.record:
            meta_path = Path(args.checkpoint).parent / "meta.json"
            state_path = Path(args.checkpoint).parent / "state.json"
            train_s = (json.loads(state_path.read_text())["train_seconds"]
                       if state_path.exists() else None)
            save_record(report_record(report, json.loads(meta_path.read_text()), model=args.model,
                                      dataset=args.dataset, split=Path(args.split).stem,
                                      train_seconds=train_s,
                                      notes=f"2D boxes: {_shown(args.boxes)}, checkpoint: "
                                            f"{_shown(args.checkpoint)}"
                                            f"{', flip test' if args.flip_test else ''}"),
                        args.record)
    except (DataFormatError, OSError) as e:
        sys.exit(f"error: {e}")
    print(report["table"])
    print(json.dumps({"all matched": report["errors"], "moderate": report["errors_moderate"]},
                     indent=2))


if __name__ == "__main__":
    main()
