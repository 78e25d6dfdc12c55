"""Grad-CAM of one detection: which backbone and neck features drive its heatmap peak.

Grad-CAM (Selvaraju et al., ICCV 2017, eq. 1-2): for features A (K, h, w) and a score y, the
weight of channel k is the spatial mean of dy/dA_k, and the map is ReLU(sum_k alpha_k A_k).
Here y is the heatmap logit of the detection's class at its peak cell, and A is the backbone's
last stage (stride 32) or the neck's output that the heads read (stride 4).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from centernet.decode import peak_nms


def grad_cam(features: torch.Tensor, score: torch.Tensor) -> torch.Tensor:
    """(1, K, h, w) features and a scalar computed from them -> (h, w) map scaled to [0, 1]
    (all zero when no channel's weighted sum is positive)."""
    (grads,) = torch.autograd.grad(score, features, retain_graph=True)
    weights = grads.mean((2, 3), keepdim=True)
    cam = F.relu((weights * features).sum(1))[0]
    peak = cam.max()
    return cam / peak if peak > 0 else cam


def _backbone(model: nn.Module) -> nn.Module:
    """The module whose output (or last output) is the stride-32 backbone stage: ResNet's
    layer4, DLA-34's base (a list of levels, the last at stride 32)."""
    return model.backbone[-1] if hasattr(model, "backbone") else model.base


def detection_cams(model: nn.Module, x: torch.Tensor, rank: int = 0
                   ) -> tuple[dict[str, np.ndarray], tuple[int, int, int], float]:
    """Grad-CAMs of the rank-th highest peak of the heatmap (the rank-th detection, ranked as
    centernet.decode.ctdet_decode ranks them).

    x: (1, 3, H, W) network input. Returns ({"backbone": (H/32, W/32), "neck": (H/4, W/4)}
    float arrays in [0, 1], (class, y, x) of the peak on the output grid, its sigmoid score).
    """
    captured: dict[str, torch.Tensor] = {}

    def keep_backbone(_module, _inputs, output):
        captured["backbone"] = output[-1] if isinstance(output, (list, tuple)) else output

    def keep_neck(_module, inputs):
        captured["neck"] = inputs[0]

    hooks = [_backbone(model).register_forward_hook(keep_backbone),
             model.heads.register_forward_pre_hook(keep_neck)]
    try:
        with torch.enable_grad():
            logits = model(x)["hm"].float()
            _, c, h, w = logits.shape
            peaks = peak_nms(logits.sigmoid()).view(-1)
            if not 0 <= rank < peaks.numel():
                raise ValueError(f"detection rank {rank} out of range 0..{peaks.numel() - 1}")
            index = int(torch.topk(peaks, rank + 1).indices[rank])
            cls, y, xx = index // (h * w), (index % (h * w)) // w, index % w
            score = logits[0, cls, y, xx]
            cams = {name: grad_cam(feat, score).detach().float().numpy()
                    for name, feat in captured.items()}
    finally:
        for hook in hooks:
            hook.remove()
    return cams, (cls, y, xx), float(torch.sigmoid(score.detach()))
