"""Output heads: for each of hm (classes), wh (2) and reg (2) a 3x3 conv, ReLU, 1x1 conv.

Official: src/lib/models/networks/resnet_dcn.py and pose_dla_dcn.py. The heatmap bias starts at
-2.19 (sigmoid 0.1, the focal-loss prior); the other heads get N(0, 0.001) weights, zero bias.
"""

from __future__ import annotations

import math

import torch
from torch import nn

HM_BIAS = -2.19  # official: fc[-1].bias.data.fill_(-2.19)


def fill_up_weights(up: nn.ConvTranspose2d) -> None:
    """Initialise a transposed conv as bilinear upsampling, every channel alike (official)."""
    w = up.weight.data
    f = math.ceil(w.size(2) / 2)
    c = (2 * f - 1 - f % 2) / (2.0 * f)
    for i in range(w.size(2)):
        for j in range(w.size(3)):
            w[0, 0, i, j] = (1 - math.fabs(i / f - c)) * (1 - math.fabs(j / f - c))
    for ch in range(1, w.size(0)):
        w[ch, 0, :, :] = w[0, 0, :, :]


class CenterHeads(nn.Module):
    """(B, cin, H, W) features -> {"hm": (B, C, H, W) logits, "wh": (B, 2, H, W), "reg": ...}."""

    def __init__(self, cin: int, num_classes: int, head_conv: int):
        super().__init__()
        self.heads = nn.ModuleDict()
        for name, cout in (("hm", num_classes), ("wh", 2), ("reg", 2)):
            head = nn.Sequential(nn.Conv2d(cin, head_conv, 3, padding=1, bias=True),
                                 nn.ReLU(inplace=True), nn.Conv2d(head_conv, cout, 1, bias=True))
            if name == "hm":
                head[-1].bias.data.fill_(HM_BIAS)
            else:
                for m in head.modules():
                    if isinstance(m, nn.Conv2d):
                        nn.init.normal_(m.weight, std=0.001)
                        nn.init.constant_(m.bias, 0)
            self.heads[name] = head

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        return {name: head(x) for name, head in self.heads.items()}
