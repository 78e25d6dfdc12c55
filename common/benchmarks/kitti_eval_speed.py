"""Speed of the KITTI evaluator on a KITTI-val-sized input, beside mmdet3d's ``kitti_eval``.

Builds 3,769 synthetic frames (seeded; about 8 labelled objects and 100 scored detections each,
Car/Pedestrian/Cyclist plus Van, Person_sitting and DontCare) and times, in the same run:

* ours, all four metrics (bbox, aos, bev, 3d) for 3 classes (goal: under 30 s on 2 cores);
* ours and mmdet3d on what both compute on the CPU: 2D bbox + AOS at the strict thresholds
  (mmdet3d's BEV/3D IoU needs numba.cuda); mmdet3d is timed through ``do_eval`` (strict
  thresholds only) and through ``kitti_eval`` (which also repeats the bbox pass at its "loose"
  row), and the largest AP difference between the two evaluators is printed.

numba compile time is excluded by a warm-up on 20 frames (both evaluators JIT-compile).
Run: ``python -m common.benchmarks.kitti_eval_speed [--frames N]``; mmdet3d is used when it can
be imported (the ``.nox/xnet_fusion`` venv), otherwise its lines say why it was skipped.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from common.eval import kitti

CLASSES = ("Car", "Pedestrian", "Cyclist")
GT_NAMES = ("Car", "Car", "Car", "Van", "Pedestrian", "Person_sitting", "Cyclist", "DontCare")
SIZES = {"Car": (1.5, 1.6, 3.9), "Van": (2.2, 1.9, 5.0), "Pedestrian": (1.75, 0.65, 0.85),
         "Person_sitting": (1.3, 0.6, 0.8), "Cyclist": (1.7, 0.6, 1.75), "DontCare": (-1, -1, -1)}


def _objects(rng: np.random.Generator, names: np.ndarray) -> dict:
    """Objects in front of a KITTI-like camera (f = 721 px), image boxes from the 3D boxes."""
    n = len(names)
    hwl = np.array([SIZES[s] for s in names]).reshape(n, 3) * rng.uniform(0.9, 1.1, (n, 3))
    z = rng.uniform(5, 60, n)
    loc = np.stack([rng.uniform(-0.5, 0.5, n) * z, rng.normal(1.7, 0.1, n), z], 1)
    ry = rng.uniform(-np.pi, np.pi, n)
    u, v_top = 609 + 721 * loc[:, 0] / z, 172 + 721 * (loc[:, 1] - np.abs(hwl[:, 0])) / z
    half_w = 721 * 0.5 * np.abs(hwl[:, 2]) / z
    bbox = np.stack([u - half_w, v_top, u + half_w, 172 + 721 * loc[:, 1] / z], 1)
    is_dc = names == "DontCare"
    loc[is_dc] = -1000.0
    ry[is_dc] = -10.0
    alpha = np.where(is_dc, -10.0, ry - np.arctan2(loc[:, 0], loc[:, 2]))
    return {"name": names, "truncated": rng.choice([0.0, 0.0, 0.2, 0.4], n),
            "occluded": rng.choice([0, 0, 1, 2], n).astype(np.int64),
            "alpha": alpha, "bbox": bbox, "dimensions": hwl,
            "location": loc, "rotation_y": ry, "score": np.zeros(n)}


def make_dataset(n_frames: int = 3769, n_det: int = 100, seed: int = 0
                 ) -> tuple[list[dict], list[dict]]:
    """Ground truth and detections: jittered copies of the labelled objects plus clutter."""
    rng = np.random.default_rng(seed)
    gts, dts = [], []
    for _ in range(n_frames):
        gt = _objects(rng, rng.choice(GT_NAMES, int(rng.integers(1, 16))).astype(str))
        real = np.flatnonzero(gt["name"] != "DontCare")
        k = rng.choice(real, min(len(real), 10), replace=False) if len(real) else real
        hits = {key: val[k].copy() for key, val in gt.items()}
        hits["name"] = np.array([{"Van": "Car", "Person_sitting": "Pedestrian"}.get(s, s)
                                 for s in hits["name"]], dtype=str)
        hits["bbox"] += rng.normal(0, 3, hits["bbox"].shape)
        hits["location"] += rng.normal(0, 0.08, hits["location"].shape)
        hits["rotation_y"] += rng.normal(0, 0.1, len(k))
        hits["alpha"] += rng.normal(0, 0.2, len(k))
        hits["score"] = rng.uniform(0.3, 1.0, len(k))
        clutter = _objects(rng, rng.choice(CLASSES, n_det - len(k)).astype(str))
        clutter["score"] = rng.uniform(0.0, 0.7, n_det - len(k))
        dts.append({key: np.concatenate([hits[key], clutter[key]]) for key in hits})
        gts.append(gt)
    return gts, dts


def to_mmdet3d(annos: list[dict]) -> list[dict]:
    """mmdet3d's annotation dicts: dimensions in l, h, w order (kitti_data_utils)."""
    return [{**a, "dimensions": a["dimensions"][:, [2, 0, 1]]} for a in annos]


def _time(fn, *args, **kwargs) -> tuple[str, float, object]:
    """(printable "wall s (cpu s)", wall seconds, result): CPU time shows the work when other
    jobs share the cores."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return f"{wall:7.2f} s wall ({cpu:6.2f} s cpu)", cpu, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", type=int, default=3769, help="frames (default: KITTI val, 3769)")
    ap.add_argument("--detections", type=int, default=100, help="scored detections per frame")
    args = ap.parse_args()

    gts, dts = make_dataset(args.frames, args.detections)
    n_gt = sum(len(g["name"]) for g in gts)
    n_dt = sum(len(d["name"]) for d in dts)
    print(f"input: {len(gts)} frames, {n_gt} labelled objects, {n_dt} detections")

    kitti.evaluate(gts[:20], dts[:20])  # numba compile / cache load
    s_all, _, ours = _time(kitti.evaluate, gts, dts, CLASSES)
    print(f"ours     bbox+aos+bev+3d, 3 classes: {s_all}")
    s_2d, t_2d, ours_2d = _time(kitti.evaluate, gts, dts, CLASSES, ("bbox", "aos"))
    print(f"ours     bbox+aos,        3 classes: {s_2d}")

    try:
        from mmdet3d.evaluation.functional.kitti_utils.eval import do_eval, kitti_eval
    except ImportError as e:
        print(f"mmdet3d  skipped: cannot import its kitti_eval ({e})")
        print(kitti.format_table(ours))
        return
    mm_gts, mm_dts = to_mmdet3d(gts), to_mmdet3d(dts)
    strict = np.array([[[0.7, 0.5, 0.5]] * 3])  # [num_minoverlap, metric, class]
    do_eval(mm_gts[:20], mm_dts[:20], [0, 1, 2], strict, ["bbox", "aos"])  # numba compile
    s_mm, t_mm, mm = _time(do_eval, mm_gts, mm_dts, [0, 1, 2], strict, ["bbox", "aos"])
    print(f"mmdet3d  bbox+aos,        3 classes: {s_mm} (do_eval, strict thresholds)")
    s_full, _, _ = _time(kitti_eval, mm_gts, mm_dts, list(CLASSES), eval_types=["bbox"])
    print(f"mmdet3d  kitti_eval(eval_types=['bbox']): {s_full} (strict + loose rows)")
    print(f"ratio    mmdet3d / ours on bbox+aos (cpu time): {t_mm / t_2d:.1f}x")

    # mmdet3d do_eval returns [class, difficulty, min_overlap] arrays: 0 AP11 bbox, 3 AP11 aos,
    # 4 AP40 bbox, 7 AP40 aos
    worst = 0.0
    for c, cls in enumerate(CLASSES):
        for metric, i11, i40 in (("bbox", 0, 4), ("aos", 3, 7)):
            worst = max(worst, np.max(np.abs(np.array(ours_2d[cls][metric]["AP11"])
                                             - mm[i11][c, :, 0])),
                        np.max(np.abs(np.array(ours_2d[cls][metric]["AP40"]) - mm[i40][c, :, 0])))
    print(f"largest |AP ours - AP mmdet3d| on bbox/aos: {worst:.4f}")
    print(kitti.format_table(ours))


if __name__ == "__main__":
    main()
