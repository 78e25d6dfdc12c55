"""One image in, boxes out: pre-process, forward, decode, map back, merge scales
(official src/lib/detectors/ctdet.py + base_detector.run).

    python -m centernet.predict IMG_OR_DIR --checkpoint W/model_final.pth [--threshold 0.3]

prints one line per detection: ``IMAGE CLASS SCORE X1 Y1 X2 Y2`` (image pixels).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from centernet.data.datasets import inference_inputs
from centernet.decode import ctdet_decode, flip_merge, merge_outputs, to_image_coords


@dataclass
class TestOptions:
    """Test-time settings: input size, normalisation, flip test, scales, top K."""

    input_size: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    flip: bool = False
    scales: tuple[float, ...] = (1.0,)
    keep_res: bool = False
    k: int = 100


@torch.no_grad()
def predict(model: nn.Module, img_bgr: np.ndarray, opt: TestOptions, num_classes: int,
            return_heatmap: bool = False):
    """(H, W, 3) uint8 BGR image -> (N, 6) float32 [x1, y1, x2, y2, score, class] in image
    pixels, best first (at most opt.k). With return_heatmap, also the (C, h, w) sigmoid heatmap
    of the first scale."""
    device = next(model.parameters()).device
    per_scale, heatmap = [], None
    for scale in opt.scales:
        x, meta = inference_inputs(img_bgr, opt.input_size, opt.mean, opt.std, scale,
                                   opt.keep_res, opt.flip)
        out = model(x.to(device))
        if opt.flip:
            hm, wh, reg = flip_merge(out)
        else:
            hm, wh, reg = out["hm"].sigmoid(), out["wh"], out["reg"]
        if heatmap is None:
            heatmap = hm[0].float().cpu().numpy()
        dets = ctdet_decode(hm.float(), wh.float(), reg.float(), k=opt.k)[0].cpu().numpy()
        per_scale.append(to_image_coords(dets, meta["center"], meta["side"],
                                         meta["output_size"]))
    dets = merge_outputs(per_scale, num_classes, opt.k)
    return (dets, heatmap) if return_heatmap else dets


def load_model(path, device: str | torch.device = "cpu") -> tuple[nn.Module, dict]:
    """A trained model from a centernet.train checkpoint, in eval mode, and its checkpoint dict
    (``config``: arch, dcn, neck, data, input_size, ...; ``classes``). DataFormatError naming
    the file when it is missing, truncated, not a checkpoint or of another network."""
    from centernet.checkpoint import load_weights, read_checkpoint
    from centernet.models import build_model

    state = read_checkpoint(path, device)
    cfg = state["config"]
    model = build_model(cfg["arch"], len(state["classes"]), cfg["dcn"],
                        head_conv=cfg.get("head_conv"), neck=cfg.get("neck", "official"))
    load_weights(model, state["model"], path, f"the {cfg['arch']} its config names")
    return model.to(device).eval(), state


def options_for(state: dict, flip: bool = False, scales=(1.0,), keep_res: bool = False,
                k: int = 100) -> TestOptions:
    """Test options matching a checkpoint's dataset statistics and input size."""
    from centernet.data.datasets import DATASET_STATS

    stats = DATASET_STATS[state["config"]["data"]]
    return TestOptions(state["config"]["input_size"], stats["mean"], stats["std"], flip,
                       tuple(scales), keep_res, k)


def main(argv=None) -> None:
    from centernet.data.datasets import load_bgr
    from centernet.demo import list_images
    from common.errors import DataFormatError

    p = argparse.ArgumentParser(prog="python -m centernet.predict", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input", help="an image file or a folder of images")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--threshold", type=float, default=0.3, help="lowest score printed")
    p.add_argument("--flip", action="store_true", help="flip test")
    args = p.parse_args(argv)
    try:
        model, state = load_model(args.checkpoint)
        opt = options_for(state, flip=args.flip)
        for path in list_images(Path(args.input)):
            dets = predict(model, load_bgr(path), opt, len(state["classes"]))
            for x1, y1, x2, y2, score, cls in dets[dets[:, 4] >= args.threshold]:
                print(f"{path.name} {state['classes'][int(cls)]} {score:.3f} "
                      f"{x1:.1f} {y1:.1f} {x2:.1f} {y2:.1f}")
    except DataFormatError as e:
        sys.exit(f"error: {e}")


if __name__ == "__main__":
    main()
