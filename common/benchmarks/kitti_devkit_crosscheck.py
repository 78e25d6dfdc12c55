"""Cross-check common.eval.kitti against the compiled C++ KITTI devkit on the same label files.

The devkit source is not shipped here: pass your copy of the offline 3D devkit
(``evaluate_object_3d_offline.cpp``, as in the kitti_eval repository of the KITTI devkit's 3D
evaluation; needs g++ and the boost headers, e.g. ``apt-get install libboost-dev``). The script
compiles it unmodified (with a stub ``mail.h``), writes synthetic KITTI-like frames and random
cluttered frames as label/result files, runs the program, reads its ``stats_*.txt`` precision
curves and prints the largest AP11/AP40 difference to ``common.eval.kitti`` over 3 classes,
4 metrics and 3 difficulties (strict thresholds, the devkit's constants).

Run: ``python -m common.benchmarks.kitti_devkit_crosscheck --devkit-src PATH [--frames N]``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from common.benchmarks.kitti_eval_speed import make_dataset
from common.eval import kitti
from common.kitti import KittiObject, write_label

MAIL_H = """#pragma once
#include <cstdio>
#include <cstdarg>
struct Mail {
  void msg(const char* fmt, ...) { va_list a; va_start(a, fmt); vprintf(fmt, a); va_end(a);
                                   printf("\\n"); }
};
"""
STATS = {"bbox": "detection", "aos": "orientation", "bev": "detection_ground",
         "3d": "detection_3d"}


def compile_devkit(src: Path, build: Path) -> Path:
    shutil.copy(src, build / "devkit.cpp")
    (build / "mail.h").write_text(MAIL_H)
    exe = build / "devkit"
    cmd = ["g++", "-O2", "-w", "-DBOOST_ALLOW_DEPRECATED_HEADERS", "-I", str(build), "-o",
           str(exe), str(build / "devkit.cpp")]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(done.stderr[-3000:])
    return exe


def write_frames(annos: list[dict], folder: Path, with_score: bool) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i, a in enumerate(annos):
        write_label(folder / f"{i:06d}.txt", [
            KittiObject(type=str(a["name"][k]), truncated=float(a["truncated"][k]),
                        occluded=int(a["occluded"][k]), alpha=float(a["alpha"][k]),
                        bbox=np.array(a["bbox"][k]), dimensions=np.array(a["dimensions"][k]),
                        location=np.array(a["location"][k]),
                        rotation_y=float(a["rotation_y"][k]),
                        score=float(a["score"][k]) if with_score else None)
            for k in range(len(a["name"]))])


def devkit_aps(result_dir: Path) -> dict:
    """{cls: {metric: {"AP11": [...], "AP40": [...]}}} from the devkit's stats files."""
    out: dict = {}
    for cls in kitti.DEFAULT_CLASSES:
        for metric, stem in STATS.items():
            path = result_dir / f"stats_{cls.lower()}_{stem}.txt"
            if not path.exists():
                continue
            curves = [np.array(line.split(), float) for line in path.read_text().splitlines()]
            out.setdefault(cls, {})[metric] = {"AP11": [kitti.ap11(p) for p in curves],
                                               "AP40": [kitti.ap40(p) for p in curves]}
    return out


def crosscheck(exe: Path, gts: list[dict], dts: list[dict], work: Path) -> float:
    write_frames(gts, work / "label_2", with_score=False)
    write_frames(dts, work / "results" / "data", with_score=True)
    subprocess.run([str(exe), str(work / "label_2"), str(work / "results")], check=True,
                   capture_output=True)
    ref = devkit_aps(work / "results")
    g, d, _ = kitti.load_folder(work / "label_2", work / "results")
    ours = kitti.evaluate(g, d)
    worst = 0.0
    for cls, per_metric in ref.items():
        for metric, aps in per_metric.items():
            for key in ("AP11", "AP40"):
                diff = np.max(np.abs(np.array(ours[cls][metric][key]) - np.array(aps[key])))
                worst = max(worst, float(diff))
    n = sum(len(m) for m in ref.values())
    print(f"  {len(gts)} frames, {n} class/metric curves compared x 3 difficulties")
    return worst


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--devkit-src", required=True, help="evaluate_object_3d_offline.cpp")
    ap.add_argument("--frames", type=int, default=300, help="frames per synthetic set")
    args = ap.parse_args()
    src = Path(args.devkit_src)
    if not src.is_file():
        sys.exit(f"error: {src}: expected the devkit's C++ source file")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        try:
            exe = compile_devkit(src, tmp)
        except (RuntimeError, FileNotFoundError) as e:
            sys.exit(f"error: could not compile {src} (g++ and boost headers needed): {e}")
        worst = 0.0
        for seed in range(3):
            print(f"set {seed}: KITTI-like frames")
            gts, dts = make_dataset(n_frames=args.frames, n_det=30, seed=seed)
            worst = max(worst, crosscheck(exe, gts, dts, tmp / f"set{seed}"))
    # the devkit's stats files print precision with 6 decimals: expect differences ~1e-5
    print(f"largest |AP ours - AP devkit| (AP11 and AP40, percent): {worst:.2e}")


if __name__ == "__main__":
    main()
