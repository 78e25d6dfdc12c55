"""One image in, boxes out: pre-process, forward, decode, map back, merge scales
(official src/lib/detectors/ctdet.py + base_detector.run)."""

from __future__ import annotations

from dataclasses import dataclass

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
