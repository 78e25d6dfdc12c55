"""Where a run with ground-truth 2D boxes loses its 3D AP: the predicted dimensions or yaw.

    python -m deep3dbox.benchmarks.solve_limits --data-root DATA --results RUN/eval/data
        [--split val] [--cls Car] [--shrink 0.5 ...] [--dims-spread H W L [--draws 4]]
        [--json OUT.json]

Every result box of class CLS is matched to the ground truth of its frame (same class, 2D IoU
>= 0.5, greedy by IoU: ``deep3dbox.test.match_frame``). For each matched box the location is
solved again from its 2D box (``deep3dbox.geometry.solve_locations``, P2, the image's border
rule) with the dimensions and the yaw taken from the results or from the label, in the four
combinations; unmatched boxes stay as they are. Each combination is scored by
``common.eval.kitti``: CLS 3D AP40 at easy / moderate / hard, and the mean location error of the
matched boxes. The first row (results, results) solves again what ``deep3dbox.predict`` solved,
from the result files' rounded dimensions (1 cm) and yaw (0.01 rad), so it comes close to the
run's own 3D AP without matching it exactly. ``--shrink K`` adds a row per K with the results'
dimension and yaw errors both scaled by K (the label's value plus K times the error; 0.5: both
errors halved): how much better the network has to read both for a 3D AP. ``--dims-spread H W
L`` adds two rows whose dimensions are the label's plus a draw of N(0, spread) per axis, clipped
to +-2.5 spreads (as the synthetic generator draws a vehicle's size within its body style,
``common.synth.kitti_vehicle.sample_dims``), with the yaw from the results and from the label:
the 3D AP of a network that knows each car's style exactly and nothing more of its size (on the
synthetic cars ``--dims-spread 0.03 0.03 0.08``). Their AP and location error are means over
``--draws`` seeded draws.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from tqdm import tqdm

from common.cli import command_parser
from common.errors import DataFormatError
from common.eval import kitti as kitti_eval
from common.io import atomic_write_json
from common.kitti import KittiFrameSet
from common.kitti.frameset import check_image
from common.kitti.geometry import wrap_angle
from common.kitti.label import CLASSES
from common.synth.kitti_vehicle import SIZE_CLIP
from deep3dbox.geometry import solve_locations
from deep3dbox.test import match_frame

# the KITTI classes with a devkit IoU threshold (common.eval.kitti.min_overlap)
SCORED_CLASSES = tuple(c for c in CLASSES if c.lower() in kitti_eval.STRICT_OVERLAP)
# (dimensions from, yaw from): the four rows, "results" = the run's, "label" = ground truth
SOURCES = (("results", "results"), ("results", "label"), ("label", "results"),
           ("label", "label"))
# the share of the results' error each source keeps
ERROR_SCALE = {"results": 1.0, "label": 0.0}


def towards_label(label: np.ndarray, result: np.ndarray, scale: float,
                  angle: bool = False) -> np.ndarray:
    """``label + scale * (result - label)``: the label (scale 0), the result (1) or between;
    ``angle``: the difference and the answer wrapped to [-pi, pi)."""
    if scale == 0:
        return label
    if angle:
        return wrap_angle(label + scale * wrap_angle(result - label))
    return label + scale * (result - label)


def resolved(frames: KittiFrameSet, gts: list[dict], dts: list[dict], ids: list[str], cls: str,
             dims_scale: float, yaw_scale: float, dims_spread=None,
             rng: np.random.Generator | None = None) -> tuple[list[dict], np.ndarray]:
    """Copies of ``dts`` whose matched CLS boxes carry the dimensions and yaw (and the alpha that
    goes with the yaw) with their errors scaled by ``dims_scale`` and ``yaw_scale``
    (:func:`towards_label`; 1 keeps the results', 0 takes the label's) and the location solved
    from them; and the matched boxes' location errors (m). ``dims_spread`` (3,) m replaces
    ``dims_scale``: the label's dimensions plus ``dims_spread * z``, z drawn from ``rng``
    (standard normal, clipped to +-SIZE_CLIP), one (3,) draw per matched box in frame order."""
    out, errors = [], []
    for fid, gt, dt in zip(ids, gts, dts, strict=True):
        dt = {k: np.array(v, copy=True) for k, v in dt.items()}
        pairs = match_frame(gt, dt, cls)
        if pairs:
            g, d = (np.array(ix) for ix in zip(*pairs, strict=True))
            if dims_spread is not None:
                z = np.clip(rng.standard_normal((len(g), 3)), -SIZE_CLIP, SIZE_CLIP)
                dt["dimensions"][d] = gt["dimensions"][g] + np.asarray(dims_spread) * z
            elif dims_scale != 1:
                dt["dimensions"][d] = towards_label(gt["dimensions"][g], dt["dimensions"][d],
                                                    dims_scale)
            if yaw_scale != 1:
                for key in ("rotation_y", "alpha"):
                    dt[key][d] = towards_label(gt[key][g], dt[key][d], yaw_scale, angle=True)
            width, height = check_image(frames.image_path(fid))
            dt["location"][d] = solve_locations(
                dt["bbox"][d], dt["dimensions"][d], dt["rotation_y"][d],
                frames.calib(fid).P2, image_shape=(height, width))
            errors.append(np.linalg.norm(dt["location"][d] - gt["location"][g], axis=1))
        out.append(dt)
    return out, np.concatenate(errors) if errors else np.zeros(0)


def limits(data_root, results_dir, split: str, cls: str, shrink=(), dims_spread=None,
           draws: int = 4) -> list[dict]:
    """One row per :data:`SOURCES` entry, then one per ``shrink`` factor K (both errors scaled
    by K, named "K x error"), then with ``dims_spread`` (h, w, l in m) two rows of the label's
    dimensions within that spread ("label +- spread") and the yaw from the results, then the
    label (means over ``draws`` draws, seeds 0 to draws - 1): dims_from, yaw_from, 3D AP40
    [easy, moderate, hard], mean location error (m) of the matched boxes."""
    frames = KittiFrameSet(data_root, split=split)
    gts, dts, missing = kitti_eval.load_folder(frames.subset_dir / "label_2",
                                               results_dir, frames.ids)
    if missing:
        raise DataFormatError(Path(results_dir) / f"{missing[0]}.txt",
                              f"expected a result file for every frame of {split}, "
                              f"{len(missing)} missing")
    if not any((gt["name"] == cls).any() for gt in gts):
        raise DataFormatError(frames.subset_dir / "label_2",
                              f"expected {cls} objects in the labels of {split}, found none")
    plan = [(dims_from, yaw_from, ERROR_SCALE[dims_from], ERROR_SCALE[yaw_from])
            for dims_from, yaw_from in SOURCES]
    plan += [(f"{k:g} x error", f"{k:g} x error", k, k) for k in shrink]
    rows = []
    for dims_from, yaw_from, dims_scale, yaw_scale in tqdm(plan, desc="solve limits", unit="row",
                                                           disable=None):
        dts_now, err = resolved(frames, gts, dts, frames.ids, cls, dims_scale, yaw_scale)
        ap = kitti_eval.evaluate(gts, dts_now, classes=[cls], metrics=("3d",))
        rows.append({"dims_from": dims_from, "yaw_from": yaw_from,
                     "ap3d_AP40": ap[cls]["3d"]["AP40"], "matched": len(err),
                     "location_error_m": float(err.mean()) if len(err) else None})
    if dims_spread is None:
        return rows
    for yaw_from in ("results", "label"):
        aps, errs = [], []
        for seed in range(draws):
            dts_now, err = resolved(frames, gts, dts, frames.ids, cls, 1.0,
                                    ERROR_SCALE[yaw_from], dims_spread,
                                    np.random.default_rng(seed))
            aps.append(kitti_eval.evaluate(gts, dts_now, classes=[cls],
                                           metrics=("3d",))[cls]["3d"]["AP40"])
            errs.append(err)
        rows.append({"dims_from": "label +- spread", "yaw_from": yaw_from,
                     "ap3d_AP40": np.mean(aps, axis=0).tolist(), "matched": len(errs[0]),
                     "location_error_m": (float(np.concatenate(errs).mean()) if len(errs[0])
                                          else None)})
    return rows


def main(argv=None) -> None:
    p = command_parser("deep3dbox.benchmarks.solve_limits", __doc__)
    p.add_argument("--data-root", required=True, help="KITTI root (training/, ImageSets/)")
    p.add_argument("--results", required=True,
                   help="KITTI result folder of a --boxes gt run (RUN/eval/data)")
    p.add_argument("--split", default="val", help="split name or file")
    p.add_argument("--cls", default="Car", choices=SCORED_CLASSES,
                   help="object class (one the devkit has an IoU threshold for)")
    p.add_argument("--shrink", type=float, nargs="+", default=[], metavar="K",
                   help="add a row per K with the results' dimension and yaw errors times K")
    p.add_argument("--dims-spread", type=float, nargs=3, metavar=("H", "W", "L"),
                   help="add rows with the label's dimensions plus a draw of N(0, spread) m per "
                        "axis (the size one body style leaves open)")
    p.add_argument("--draws", type=int, default=4,
                   help="--dims-spread rows: average over this many seeded draws")
    p.add_argument("--json", help="write the rows here too")
    args = p.parse_args(argv)
    if any(k < 0 for k in args.shrink):
        p.error(f"--shrink: factors must be >= 0, got {args.shrink}")
    if args.dims_spread and any(s < 0 for s in args.dims_spread):
        p.error(f"--dims-spread: spreads must be >= 0, got {args.dims_spread}")
    if args.draws < 1:
        p.error(f"--draws must be >= 1, got {args.draws}")
    try:
        rows = limits(args.data_root, args.results, args.split, args.cls, args.shrink,
                      args.dims_spread, args.draws)
    except (DataFormatError, OSError) as e:
        sys.exit(f"error: {e}")
    print(f"{'dimensions':>14s} {'yaw':>14s}  {args.cls} 3D AP40 easy / mod / hard   "
          f"location err")
    for r in rows:
        e, m, h = r["ap3d_AP40"]
        err = r["location_error_m"]
        print(f"{r['dims_from']:>14s} {r['yaw_from']:>14s}  {e:6.2f} / {m:6.2f} / {h:6.2f}"
              f"   {'n/a (no box matched)' if err is None else f'{err:.2f} m'}")
    if args.json:
        atomic_write_json(args.json, {"cls": args.cls, "split": args.split, "rows": rows})


if __name__ == "__main__":
    main()
