"""3x3 convolution of the necks: plain, or modulated deformable (DCNv2) via torchvision.

The official code builds DCNv2 from a CUDA extension; ``torchvision.ops.deform_conv2d`` computes
the same operator (also on CPU). Offsets and masks come from a zero-initialised conv, as in DCNv2.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torchvision.ops import deform_conv2d


class ModulatedDeformConv3x3(nn.Module):
    """DCNv2 3x3, stride 1, padding 1: (B, cin, H, W) -> (B, cout, H, W)."""

    def __init__(self, cin: int, cout: int, bias: bool = True):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(cout, cin, 3, 3))
        self.bias = nn.Parameter(torch.zeros(cout)) if bias else None
        stdv = 1.0 / math.sqrt(cin * 9)  # DCNv2's reset_parameters
        nn.init.uniform_(self.weight, -stdv, stdv)
        self.conv_offset_mask = nn.Conv2d(cin, 3 * 9, 3, padding=1, bias=True)
        nn.init.zeros_(self.conv_offset_mask.weight)
        nn.init.zeros_(self.conv_offset_mask.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        o1, o2, mask = torch.chunk(self.conv_offset_mask(x), 3, dim=1)
        offset = torch.cat((o1, o2), dim=1)
        return deform_conv2d(x, offset, self.weight, self.bias, padding=(1, 1),
                             mask=torch.sigmoid(mask))


def conv3x3(cin: int, cout: int, dcn: bool, bias: bool) -> nn.Module:
    """The neck's 3x3 conv: DCNv2 when ``dcn`` (the paper), else a plain conv."""
    if dcn:
        return ModulatedDeformConv3x3(cin, cout, bias=bias)
    return nn.Conv2d(cin, cout, 3, padding=1, bias=bias)
