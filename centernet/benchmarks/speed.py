"""Forward + decode speed of our ResNet-18 CenterNet vs MMDetection's CenterNet ResNet-18.

    .nox/detr_deit/bin/python -m centernet.benchmarks.speed [--sizes 384 512] [--repeats 20]

Both models: ResNet-18, up-conv neck 256/128/64 without DCN, heads with 64 channels, 80 classes
(MMDetection's centernet_r18_8xb16-crop512-140e_coco.py), random weights, batch 1, eval mode;
ours is timed with the official neck and with the skip neck (1x1 laterals from C5 / C4 / C3).
Each timed call is the network forward plus the top-100 peak decoding; the models alternate
call by call so that load on a shared machine hits them alike. Reports median wall-clock ms per
image and the ratio ours / MMDetection for each neck (goal <= 1.0 for the official one);
``--clock cpu`` times process CPU time instead (on CPU only; OpenMP threads spinning on a busy
machine still inflate it). Runs in an environment with mmdet (detr_deit); in one without it,
only our timings are printed.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import torch

from centernet.decode import ctdet_decode
from centernet.models import build_model
from centernet.models.resnet import NECKS
from common.io import atomic_write_json

MMDET_CONFIG = "centernet/centernet_r18_8xb16-crop512-140e_coco.py"


def ours_fn(num_classes: int, device, neck: str = "official"):
    model = build_model("res18", num_classes, neck=neck).to(device).eval()

    def run(x):
        out = model(x)
        return ctdet_decode(out["hm"].sigmoid(), out["wh"], out["reg"], k=100)

    return run


def mmdet_fn(device):
    """MMDetection's CenterNet R-18 (None when mmdet is not installed)."""
    try:
        import mmdet
        from mmdet.registry import MODELS
        from mmdet.utils import register_all_modules
        from mmengine.config import Config
    except ImportError:
        return None
    register_all_modules()
    cfg = Config.fromfile(str(Path(mmdet.__file__).parent / ".mim" / "configs" / MMDET_CONFIG))
    cfg.model.backbone.init_cfg = None  # random weights: no download
    model = MODELS.build(cfg.model).to(device).eval()

    def run(x):
        feats = model.extract_feat(x)
        outs = model.bbox_head(feats)
        metas = [{"batch_input_shape": tuple(x.shape[2:]), "border": (0, 0, 0, 0)}]
        return model.bbox_head.predict_by_feat(*outs, batch_img_metas=metas, rescale=False)

    return run


def time_call(fn, x, device, clock) -> float:
    if device.type == "cuda":
        torch.cuda.synchronize()
    t = clock()
    fn(x)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return 1000 * (clock() - t)


@torch.no_grad()
def benchmark(sizes, repeats: int, warmup: int, device, clock=time.perf_counter) -> dict:
    fns = {f"ours_{neck}": ours_fn(80, device, neck) for neck in NECKS}
    mm = mmdet_fn(device)
    if mm is not None:
        fns["mmdet"] = mm
    result = {}
    for size in sizes:
        x = torch.randn(1, 3, size, size, device=device)
        times = {name: [] for name in fns}
        for i in range(warmup + repeats):
            for name, fn in fns.items():
                ms = time_call(fn, x, device, clock)
                if i >= warmup:
                    times[name].append(ms)
        row = {name: statistics.median(t) for name, t in times.items()}
        if "mmdet" in row:
            for neck in NECKS:
                row[f"ratio_{neck}"] = row[f"ours_{neck}"] / row["mmdet"]
        result[size] = row
    return result


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m centernet.benchmarks.speed", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=[384, 512])
    p.add_argument("--repeats", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--threads", type=int, help="torch CPU threads")
    p.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                   help="wall-clock time, or process CPU time (CPU device only)")
    p.add_argument("--out", help="also write the numbers as JSON here")
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    if args.clock == "cpu" and device.type != "cpu":
        p.error("--clock cpu needs --device cpu")
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    result = benchmark(args.sizes, args.repeats, args.warmup, device, clock)
    print(f"device {device}, {torch.get_num_threads()} threads, {args.clock} clock, "
          f"median of {args.repeats}")
    for size, row in result.items():
        line = f"{size}x{size}: " + ", ".join(
            f"ours ({neck} neck) {row[f'ours_{neck}']:.1f}" for neck in NECKS) + " ms/image"
        if "mmdet" in row:
            line += f", mmdet {row['mmdet']:.1f} ms/image, ratio ours/mmdet " + ", ".join(
                f"{row[f'ratio_{neck}']:.3f} ({neck})" for neck in NECKS)
        else:
            line += " (mmdet not installed in this environment)"
        print(line)
    if args.out:
        atomic_write_json(args.out, {"device": str(device), "clock": args.clock,
                                     "threads": torch.get_num_threads(), "results": result})


if __name__ == "__main__":
    main()
