"""Speed benchmark: vectorised translation solver vs a per-box Python loop; model ms per crop.

    python -m deep3dbox.benchmarks.speed [--boxes 200] [--loop-boxes 20] [--crops 16]

Both solvers run in the same process on the same random cars; the loop is the straightforward
implementation (one ``np.linalg.lstsq`` per configuration) over the same 1024 configurations and
the same consistency rule, so the ratio measures only vectorisation.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from common.kitti import geometry as kg
from deep3dbox.geometry import CONFIGS, solve_locations


def solve_locations_loop(box, dims, ry, P, tol: float = 0.5) -> np.ndarray:
    """Reference solver for ONE box (4,), dims (3,), yaw, P (3, 4): plain loops, no border rule."""
    P = np.asarray(P, dtype=np.float64)
    offsets = kg.box3d_corners(np.asarray(dims)[None], np.zeros((1, 3)), np.array([ry]))[0]
    rows = (0, 1, 0, 1)
    best, best_score, fallback, fallback_score = None, np.inf, None, np.inf
    for config in CONFIGS:
        a = np.zeros((4, 3))
        b = np.zeros(4)
        for k in range(4):
            d, s, pr, p2 = offsets[config[k]], box[k], P[rows[k]], P[2]
            a[k] = pr[:3] - s * p2[:3]
            b[k] = s * (p2[:3] @ d + p2[3]) - (pr[:3] @ d + pr[3])
        t, *_ = np.linalg.lstsq(a, b, rcond=None)
        residual = float(((a @ t - b) ** 2).sum())
        uv, depth = kg.rect_to_image(offsets + t, P)
        if (depth <= 0).any():
            continue
        if residual < fallback_score:
            fallback, fallback_score = t, residual
        extremes = (uv[:, 0].min(), uv[:, 1].min(), -uv[:, 0].max(), -uv[:, 1].max())
        chosen = (uv[config[0], 0], uv[config[1], 1], -uv[config[2], 0], -uv[config[3], 1])
        if all(c <= e + tol for c, e in zip(chosen, extremes, strict=True)):
            if residual < best_score:
                best, best_score = t, residual
    return best if best is not None else fallback


def _cars(n, seed=0):
    rng = np.random.default_rng(seed)
    dims = np.c_[rng.uniform(1.4, 1.8, n), rng.uniform(1.5, 1.9, n), rng.uniform(3.5, 4.8, n)]
    loc = np.c_[rng.uniform(-8, 8, n), rng.uniform(1.4, 1.9, n), rng.uniform(8, 50, n)]
    ry = rng.uniform(-np.pi, np.pi, n)
    return dims, loc, ry


def bench_solver(n_boxes: int, n_loop: int, P: np.ndarray) -> dict:
    dims, loc, ry = _cars(n_boxes)
    boxes = kg.project_box3d(kg.box3d_corners(dims, loc, ry), P)
    t0 = time.perf_counter()
    fast = solve_locations(boxes, dims, ry, P)
    t_fast = time.perf_counter() - t0
    t0 = time.perf_counter()
    slow = np.stack([solve_locations_loop(boxes[i], dims[i], ry[i], P) for i in range(n_loop)])
    t_slow = time.perf_counter() - t0
    return {
        "vectorised_boxes_per_s": n_boxes / t_fast,
        "loop_boxes_per_s": n_loop / t_slow,
        "speedup": (n_boxes / t_fast) / (n_loop / t_slow),
        "max_disagreement_m": float(np.abs(fast[:n_loop] - slow).max()),
        "max_error_m": float(np.linalg.norm(fast - loc, axis=1).max()),
    }


def bench_model(n_crops: int, input_size: int) -> dict:
    from deep3dbox.model import build_model

    model = build_model(input_size=input_size)
    x = np.random.default_rng(0).normal(size=(n_crops, input_size, input_size, 3)).astype("float32")
    model.predict(x[:1], verbose=0)  # build the graph once
    t0 = time.perf_counter()
    model.predict(x, batch_size=8, verbose=0)
    return {"model_ms_per_crop": 1000 * (time.perf_counter() - t0) / n_crops,
            "input_size": input_size, "params": int(model.count_params())}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m deep3dbox.benchmarks.speed",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--boxes", type=int, default=200, help="boxes for the vectorised solver")
    parser.add_argument("--loop-boxes", type=int, default=20, help="boxes for the Python loop")
    parser.add_argument("--crops", type=int, default=16, help="crops for model timing (0: skip)")
    parser.add_argument("--input-size", type=int, default=224)
    args = parser.parse_args(argv)
    P2 = np.array([[707.0493, 0.0, 604.0814, 45.75831], [0.0, 707.0493, 180.5066, -0.3454157],
                   [0.0, 0.0, 1.0, 0.004981016]])
    report = bench_solver(args.boxes, args.loop_boxes, P2)
    if args.crops:
        report.update(bench_model(args.crops, args.input_size))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
