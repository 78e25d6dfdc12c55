"""Params, FLOPs and CPU forward time of DETR-DeiT-tiny beside DETR-R50 and DETR-R18.

``python -m detr_deit.benchmarks.speed [--height 480 --width 640 --runs 5 --threads 1]``
builds the three detectors from this project's ScanNet configs (R18: the R50 config with a
ResNet-18 and a 512-channel neck, as MMDetection's detr_r18 config), feeds all of them the same
random image, and prints parameters, forward GFLOPs (mmengine's FlopAnalyzer, one multiply-add
counted as one FLOP as in MMDetection's tables) and the median wall ms/image of
``model.predict`` (post-processing included), with ratios to DETR-R50 measured in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import torch
from torch import nn

from common.openmmlab import load_config
from detr_deit import CONFIG_DIR

MODELS = {
    "DETR-DeiT-tiny": ("detr_deit-tiny_8xb1-150e_scannet-frames.py", {}),
    "DETR-R50": ("detr_r50_8xb2-150e_scannet-frames.py", {}),
    "DETR-R18": ("detr_r50_8xb2-150e_scannet-frames.py",
                 {"model.backbone.depth": 18, "model.neck.in_channels": [512]}),
}


def build(config: str, options: dict) -> nn.Module:
    from mmdet.registry import MODELS as REGISTRY
    from mmengine.registry import init_default_scope
    from mmengine.utils import import_modules_from_strings

    cfg = load_config(config, CONFIG_DIR, cfg_options=options)
    cfg.model.backbone.init_cfg = None  # random weights: speed does not depend on them
    import_modules_from_strings(**cfg.custom_imports)
    init_default_scope("mmdet")
    model = REGISTRY.build(cfg.model)
    model.init_weights()
    return model.eval()


def sample(height: int, width: int):
    from mmdet.structures import DetDataSample

    s = DetDataSample()
    s.set_metainfo(dict(img_shape=(height, width), batch_input_shape=(height, width),
                        ori_shape=(height, width), scale_factor=(1.0, 1.0)))
    return s


class TensorForward(nn.Module):
    """model(image) -> head outputs, so FLOP counting can trace a plain tensor function."""

    def __init__(self, model: nn.Module, height: int, width: int):
        super().__init__()
        self.model, self.meta = model, sample(height, width)

    def forward(self, image):
        return self.model(image, [self.meta], mode="tensor")


def gflops(model: nn.Module, image: torch.Tensor) -> float:
    from mmengine.analysis import FlopAnalyzer

    analyzer = FlopAnalyzer(TensorForward(model, *image.shape[-2:]), (image,))
    analyzer.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    return analyzer.total() / 1e9


def forward_ms(model: nn.Module, image: torch.Tensor, runs: int) -> float:
    """Median wall ms of model.predict on ``image`` (after one warm-up run)."""
    meta = [sample(*image.shape[-2:])]
    times = []
    with torch.no_grad():
        for i in range(runs + 1):
            start = time.perf_counter()
            model(image, meta, mode="predict")
            if i:
                times.append(1000 * (time.perf_counter() - start))
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--height", type=int, default=480)
    p.add_argument("--width", type=int, default=640)
    p.add_argument("--runs", type=int, default=5, help="timed forward passes per model")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    args = p.parse_args(argv)
    if min(args.height, args.width) < 32 or args.runs < 1:
        sys.exit("error: expected --height/--width >= 32 and --runs >= 1")
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    image = torch.randn(1, 3, args.height, args.width)
    rows = {}
    for name, (config, options) in MODELS.items():
        model = build(config, options)
        rows[name] = (sum(p.numel() for p in model.parameters()) / 1e6, gflops(model, image),
                      forward_ms(model, image, args.runs))
    ref = rows["DETR-R50"]
    print(f"\n{args.height}x{args.width} input, CPU, {args.threads} thread(s), "
          f"median of {args.runs} runs")
    print(f"{'model':<16}{'params (M)':>11}{'GFLOPs':>9}{'ms/image':>10}"
          f"{'params x':>10}{'FLOPs x':>9}{'time x':>8}   (x = relative to DETR-R50)")
    for name, (params, flops, ms) in rows.items():
        print(f"{name:<16}{params:>11.2f}{flops:>9.1f}{ms:>10.0f}"
              f"{params / ref[0]:>10.2f}{flops / ref[1]:>9.2f}{ms / ref[2]:>8.2f}")


if __name__ == "__main__":
    main()
