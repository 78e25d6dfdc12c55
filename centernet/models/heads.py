"""Output heads: for each of hm (classes), wh (2) and reg (2) a 3x3 conv, ReLU, 1x1 conv.

Official: src/lib/models/networks/resnet_dcn.py and pose_dla_dcn.py. The heatmap bias starts at
-2.19 (sigmoid 0.1, the focal-loss prior); the other heads get N(0, 0.001) weights, zero bias.
"""

from __future__ import annotations

import math

import torch
from torch import nn

HM_BIAS = -2.19  # official: fc[-1].bias.data.fill_(-2.19)


def fill_up_weights(up: nn.ConvTranspose2d, per_channel: bool = False) -> None:
    """Initialise a transposed conv as bilinear upsampling.

    Official (default): ``w[c, 0] = bilinear`` for every c. For DLA's depthwise deconvs (weight
    (C, 1, k, k)) that is per-channel bilinear upsampling; for the full ResNet deconvs (weight
    (C_in, C_out, k, k)) it sums all input channels into output channel 0 and leaves the other
    output channels at their random init (xingyizhou/CenterNet#817, acknowledged there).
    ``per_channel=True``: output channel c is the bilinear upsampling of input channel c and
    nothing else (the FCN initialisation the code intends); same as the default for DLA.
    """
    w = up.weight.data
    f = math.ceil(w.size(2) / 2)
    c = (2 * f - 1 - f % 2) / (2.0 * f)
    kernel = torch.zeros(w.size(2), w.size(3))
    for i in range(w.size(2)):
        for j in range(w.size(3)):
            kernel[i, j] = (1 - math.fabs(i / f - c)) * (1 - math.fabs(j / f - c))
    if per_channel and w.size(1) > 1:
        w.zero_()
        for ch in range(min(w.size(0), w.size(1))):
            w[ch, ch] = kernel
        return
    for ch in range(w.size(0)):
        w[ch, 0] = kernel


class CenterHeads(nn.Module):
    """(B, cin, H, W) features -> {"hm": (B, C, H, W) logits, "wh": (B, 2, H, W), "reg": ...}."""

    def __init__(self, cin: int, num_classes: int, head_conv: int):
        super().__init__()
        self.head_conv = head_conv
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
