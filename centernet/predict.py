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


def load_model(path, device: str | torch.device = "cpu") -> tuple[nn.Module, dict]:
    """A trained model from a centernet.train checkpoint, in eval mode, and its checkpoint dict
    (``config``: arch, dcn, data, input_size, ...; ``classes``)."""
    from centernet.models import build_model
    from common.errors import DataFormatError

    try:
        state = torch.load(path, map_location=device, weights_only=True)
        model = build_model(state["config"]["arch"], len(state["classes"]),
                            state["config"]["dcn"], head_conv=state["config"].get("head_conv"))
        model.load_state_dict(state["model"])
    except FileNotFoundError:
        raise DataFormatError(path, "expected a CenterNet checkpoint, found no such file") from None
    except (KeyError, RuntimeError, TypeError) as e:
        raise DataFormatError(path, f"expected a centernet.train checkpoint, got: {e}") from None
    return model.to(device).eval(), state


def options_for(state: dict, flip: bool = False, scales=(1.0,), keep_res: bool = False,
                k: int = 100) -> TestOptions:
    """Test options matching a checkpoint's dataset statistics and input size."""
    from centernet.data.datasets import DATASET_STATS

    stats = DATASET_STATS[state["config"]["data"]]
    return TestOptions(state["config"]["input_size"], stats["mean"], stats["std"], flip,
                       tuple(scales), keep_res, k)
