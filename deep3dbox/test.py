"""Evaluate Deep3DBox: KITTI AP (bbox, AOS, BEV, 3D) plus orientation, dimension, location errors.

    python -m deep3dbox.test --data-root KITTI --split val --checkpoint RUN/best.keras \
        --out RUN/eval [--boxes gt|RESULT_DIR] [--record RUN/results.json]

Runs :mod:`deep3dbox.predict` into OUT/data, scores it with ``common.eval.kitti`` (the devkit's
rules) and, on predictions matched to ground truth (same class, 2D IoU >= 0.5, greedy by IoU),
reports per class: orientation score OS = mean (1 + cos(alpha error)) / 2 (the paper's AOS/AP),
mean absolute alpha error (deg), mean absolute h/w/l error (m) and mean 3D location error (m).
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
from common.io import atomic_write_json
from common.kitti.geometry import wrap_angle
from common.results import ResultRecord, save_record

# Mousavian et al. CVPR 2017, Table 1: KITTI *test* Car AOS (%) with their own 2D detector.
PAPER = {"Car/aos/AP11/easy": 92.90, "Car/aos/AP11/moderate": 88.75, "Car/aos/AP11/hard": 76.76}
PAPER_SOURCE = ("Mousavian et al., 3D Bounding Box Estimation Using Deep Learning and Geometry, "
                "CVPR 2017, Table 1 (KITTI test server, Car AOS, own 2D detections; figures not "
                "re-checked against the PDF in this repository)")


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(N, 4), (M, 4) boxes -> (N, M) IoU (KITTI pixel areas, no +1)."""
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.clip(rb - lt, 0, None).prod(axis=-1)
    area = lambda x: (x[:, 2] - x[:, 0]) * (x[:, 3] - x[:, 1])  # noqa: E731
    return inter / np.maximum(area(a)[:, None] + area(b)[None] - inter, 1e-9)


def matched_errors(gts: list[dict], dts: list[dict], classes, min_iou: float = 0.5) -> dict:
    """Per class OS, alpha error (deg), dimension error (m, h w l) and location error (m)."""
    pairs: dict[str, list] = {c: [] for c in classes}
    for gt, dt in zip(gts, dts, strict=True):
        for cls in classes:
            gi, di = np.flatnonzero(gt["name"] == cls), np.flatnonzero(dt["name"] == cls)
            if len(gi) == 0 or len(di) == 0:
                continue
            iou = _iou(gt["bbox"][gi], dt["bbox"][di])
            while iou.size and iou.max() >= min_iou:
                g, d = np.unravel_index(iou.argmax(), iou.shape)
                pairs[cls].append((gi[g], di[d], gt, dt))
                iou[g, :], iou[:, d] = -1, -1
    out = {}
    for cls, items in pairs.items():
        if not items:
            continue
        da = np.array([wrap_angle(dt["alpha"][d] - gt["alpha"][g]) for g, d, gt, dt in items])
        dd = np.array([np.abs(dt["dimensions"][d] - gt["dimensions"][g]) for g, d, gt, dt in items])
        dl = np.array([np.linalg.norm(dt["location"][d] - gt["location"][g])
                       for g, d, gt, dt in items])
        out[cls] = {"count": len(items), "orientation_score": float(np.mean((1 + np.cos(da)) / 2)),
                    "alpha_error_deg": float(np.degrees(np.abs(da)).mean()),
                    "dimension_error_m": [float(v) for v in dd.mean(axis=0)],
                    "location_error_m": float(dl.mean()),
                    "location_error_median_m": float(np.median(dl))}
    return out


def flatten(ap: dict, errors: dict) -> dict[str, float]:
    """Record metrics: "Car/aos/AP40/moderate" style keys plus "Car/orientation_score" etc."""
    metrics = {}
    for cls, per_metric in ap.items():
        for metric, curves in per_metric.items():
            for kind, values in curves.items():
                for name, v in zip(("easy", "moderate", "hard"), values, strict=True):
                    metrics[f"{cls}/{metric}/{kind}/{name}"] = v
    for cls, e in errors.items():
        metrics[f"{cls}/orientation_score"] = e["orientation_score"]
        metrics[f"{cls}/alpha_error_deg"] = e["alpha_error_deg"]
        metrics[f"{cls}/location_error_m"] = e["location_error_m"]
        for axis, v in zip("hwl", e["dimension_error_m"], strict=True):
            metrics[f"{cls}/dimension_error_{axis}_m"] = v
    return metrics


def evaluate(data_root, split: str, checkpoint, out_dir, boxes: str = "gt",
             classes=("Car", "Pedestrian", "Cyclist")) -> dict:
    """Infer into OUT_DIR/data, evaluate, write OUT_DIR/metrics.json; returns the report."""
    from deep3dbox.predict import run

    out_dir = Path(out_dir)
    t0 = time.perf_counter()
    ids = run(data_root, split, boxes, checkpoint, out_dir / "data")
    ms_per_image = 1000 * (time.perf_counter() - t0) / max(len(ids), 1)
    gts, dts, _ = kitti_eval.load_folder(Path(data_root) / "training" / "label_2",
                                         out_dir / "data", ids)
    present = [c for c in classes if any((g["name"] == c).any() for g in gts)]
    ap = kitti_eval.evaluate(gts, dts, classes=present)
    errors = matched_errors(gts, dts, present)
    report = {"ap": ap, "errors": errors, "infer_ms_per_image": ms_per_image,
              "frames": len(ids), "table": kitti_eval.format_table(ap)}
    atomic_write_json(out_dir / "metrics.json", report)
    return report


def make_record(report: dict, meta: dict, dataset: str, split: str, train_seconds=None,
                params=None, notes: str = "", model: str = "deep3dbox") -> ResultRecord:
    return ResultRecord(
        model=model,
        config=f"vgg16-{meta['input_size']}px-bins{meta['num_bins']}",
        dataset=dataset, split=split, task="mono3d",
        metrics=flatten(report["ap"], report["errors"]),
        paper=PAPER, paper_source=PAPER_SOURCE, params=params, train_seconds=train_seconds,
        infer_ms_per_image=report["infer_ms_per_image"], notes=notes)


def _shown(boxes: str) -> str:
    """The --boxes value for a record: a folder under the working directory as a relative path
    (records and docs/benchmarks.md do not carry this machine's absolute paths)."""
    if boxes == "gt":
        return boxes
    path = Path(boxes).resolve()
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else boxes


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m deep3dbox.test",
                                description=__doc__.split("\n")[0])
    p.add_argument("--data-root", required=True)
    p.add_argument("--split", default="val", help="split name or file")
    p.add_argument("--checkpoint", required=True, help=".keras file with meta.json beside it")
    p.add_argument("--out", required=True, help="folder for data/*.txt and metrics.json")
    p.add_argument("--boxes", default="gt", help="'gt' or a folder of KITTI 2D result files")
    p.add_argument("--record", default=None, help="write a results record (JSON) here")
    p.add_argument("--dataset", default="kitti", help="dataset name for the record")
    p.add_argument("--model", default="deep3dbox",
                   help="model name for the record, e.g. 'CenterNet -> Deep3DBox' when the 2D "
                        "boxes come from a detector")
    args = p.parse_args(argv)
    try:
        report = evaluate(args.data_root, args.split, args.checkpoint, args.out, args.boxes)
        if args.record:
            meta_path = Path(args.checkpoint).parent / "meta.json"
            state_path = Path(args.checkpoint).parent / "state.json"
            train_s = (json.loads(state_path.read_text())["train_seconds"]
                       if state_path.exists() else None)
            save_record(make_record(report, json.loads(meta_path.read_text()), args.dataset,
                                    Path(args.split).stem, train_s,
                                    notes=f"2D boxes: {_shown(args.boxes)}", model=args.model),
                        args.record)
    except (DataFormatError, OSError) as e:
        sys.exit(f"error: {e}")
    print(report["table"])
    print(json.dumps(report["errors"], indent=2))


if __name__ == "__main__":
    main()
