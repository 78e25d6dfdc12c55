"""DLA-34 + DLA-up / IDA-up neck (official src/lib/models/networks/pose_dla_dcn.py).

Backbone levels 0-5 have 16, 32, 64, 128, 256, 512 channels at strides 1, 2, 4, 8, 16, 32.
DLAUp iteratively aggregates levels 2-5 towards stride 4; IDAUp fuses the stride 4/8/16 results
into one stride-4 map of 64 channels; heads use head_conv 256. The neck's 3x3 convs are DCNv2
in the paper (``dcn=True``); plain convs by default here.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from centernet.checkpoint import load_weights, read_torch_file
from centernet.models.dcn import conv3x3
from centernet.models.heads import CenterHeads, fill_up_weights

BN_MOMENTUM = 0.1


class BasicBlock(nn.Module):
    def __init__(self, inplanes: int, planes: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes, momentum=BN_MOMENTUM)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes, momentum=BN_MOMENTUM)

    def forward(self, x: torch.Tensor, residual: torch.Tensor | None = None) -> torch.Tensor:
        residual = x if residual is None else residual
        out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        return self.relu(out + residual)


class Root(nn.Module):
    """Aggregation node: concat children, 1x1 conv, BN, (residual), ReLU."""

    def __init__(self, cin: int, cout: int, residual: bool):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 1, stride=1, bias=False)
        self.bn = nn.BatchNorm2d(cout, momentum=BN_MOMENTUM)
        self.relu = nn.ReLU(inplace=True)
        self.residual = residual

    def forward(self, *children: torch.Tensor) -> torch.Tensor:
        x = self.bn(self.conv(torch.cat(children, 1)))
        if self.residual:
            x = x + children[0]
        return self.relu(x)


class Tree(nn.Module):
    """Hierarchical deep aggregation tree of ``levels`` levels (official ``Tree``)."""

    def __init__(self, levels: int, cin: int, cout: int, stride: int = 1,
                 level_root: bool = False, root_dim: int = 0, root_residual: bool = False):
        super().__init__()
        if root_dim == 0:
            root_dim = 2 * cout
        if level_root:
            root_dim += cin
        if levels == 1:
            self.tree1 = BasicBlock(cin, cout, stride)
            self.tree2 = BasicBlock(cout, cout, 1)
            self.root = Root(root_dim, cout, root_residual)
        else:
            self.tree1 = Tree(levels - 1, cin, cout, stride, root_dim=0,
                              root_residual=root_residual)
            self.tree2 = Tree(levels - 1, cout, cout, root_dim=root_dim + cout,
                              root_residual=root_residual)
        self.level_root = level_root
        self.levels = levels
        self.downsample = nn.MaxPool2d(stride, stride=stride) if stride > 1 else None
        self.project = None
        if cin != cout:
            self.project = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=1, bias=False),
                                         nn.BatchNorm2d(cout, momentum=BN_MOMENTUM))

    def forward(self, x, residual=None, children=None):
        children = [] if children is None else children
        bottom = self.downsample(x) if self.downsample is not None else x
        residual = self.project(bottom) if self.project is not None else bottom
        if self.level_root:
            children.append(bottom)
        x1 = self.tree1(x, residual)
        if self.levels == 1:
            x2 = self.tree2(x1)
            return self.root(x2, x1, *children)
        children.append(x1)
        return self.tree2(x1, children=children)


class DLA34(nn.Module):
    """(B, 3, H, W) -> list of 6 maps, level i at stride 2^i (official ``dla34``)."""

    levels = (1, 1, 1, 2, 2, 1)
    channels = (16, 32, 64, 128, 256, 512)

    def __init__(self):
        super().__init__()
        c, lv = self.channels, self.levels
        self.base_layer = nn.Sequential(nn.Conv2d(3, c[0], 7, stride=1, padding=3, bias=False),
                                        nn.BatchNorm2d(c[0], momentum=BN_MOMENTUM),
                                        nn.ReLU(inplace=True))
        self.level0 = self._conv_level(c[0], c[0], lv[0])
        self.level1 = self._conv_level(c[0], c[1], lv[1], stride=2)
        self.level2 = Tree(lv[2], c[1], c[2], 2, level_root=False)
        self.level3 = Tree(lv[3], c[2], c[3], 2, level_root=True)
        self.level4 = Tree(lv[4], c[3], c[4], 2, level_root=True)
        self.level5 = Tree(lv[5], c[4], c[5], 2, level_root=True)

    @staticmethod
    def _conv_level(cin: int, cout: int, convs: int, stride: int = 1) -> nn.Sequential:
        modules: list[nn.Module] = []
        for i in range(convs):
            modules += [nn.Conv2d(cin, cout, 3, stride=stride if i == 0 else 1, padding=1,
                                  bias=False),
                        nn.BatchNorm2d(cout, momentum=BN_MOMENTUM), nn.ReLU(inplace=True)]
            cin = cout
        return nn.Sequential(*modules)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        x = self.base_layer(x)
        out = []
        for i in range(6):
            x = getattr(self, f"level{i}")(x)
            out.append(x)
        return out


class ConvBNReLU(nn.Module):
    """Official ``DeformConv``: 3x3 (deformable when dcn) conv, BN, ReLU."""

    def __init__(self, cin: int, cout: int, dcn: bool):
        super().__init__()
        self.conv = conv3x3(cin, cout, dcn, bias=True)
        self.actf = nn.Sequential(nn.BatchNorm2d(cout, momentum=BN_MOMENTUM), nn.ReLU(inplace=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.actf(self.conv(x))


class IDAUp(nn.Module):
    """Iterative deep aggregation: layers[i] = node(up(proj(layers[i])) + layers[i-1])."""

    def __init__(self, o: int, channels: list[int], up_f: list[int], dcn: bool):
        super().__init__()
        for i in range(1, len(channels)):
            f = int(up_f[i])
            up = nn.ConvTranspose2d(o, o, f * 2, stride=f, padding=f // 2, output_padding=0,
                                    groups=o, bias=False)
            fill_up_weights(up)
            setattr(self, f"proj_{i}", ConvBNReLU(channels[i], o, dcn))
            setattr(self, f"up_{i}", up)
            setattr(self, f"node_{i}", ConvBNReLU(o, o, dcn))

    def forward(self, layers: list[torch.Tensor], startp: int, endp: int) -> None:
        for i in range(startp + 1, endp):
            up = getattr(self, f"up_{i - startp}")
            proj = getattr(self, f"proj_{i - startp}")
            layers[i] = up(proj(layers[i]))
            layers[i] = getattr(self, f"node_{i - startp}")(layers[i] + layers[i - 1])


class DLAUp(nn.Module):
    def __init__(self, startp: int, channels: list[int], scales: list[int], dcn: bool):
        super().__init__()
        self.startp = startp
        in_channels = list(channels)
        scales = np.array(scales, dtype=int)
        for i in range(len(channels) - 1):
            j = -i - 2
            setattr(self, f"ida_{i}",
                    IDAUp(channels[j], in_channels[j:], list(scales[j:] // scales[j]), dcn))
            scales[j + 1:] = scales[j]
            in_channels[j + 1:] = [channels[j] for _ in channels[j + 1:]]

    def forward(self, layers: list[torch.Tensor]) -> list[torch.Tensor]:
        out = [layers[-1]]
        for i in range(len(layers) - self.startp - 1):
            getattr(self, f"ida_{i}")(layers, len(layers) - i - 2, len(layers))
            out.insert(0, layers[-1])
        return out


class DLACenterNet(nn.Module):
    """DLA-34 CenterNet (official ``DLASeg`` with down_ratio 4, last_level 5)."""

    def __init__(self, num_classes: int, dcn: bool = False, head_conv: int = 256,
                 pretrained: str | None = None):
        super().__init__()
        self.first_level, self.last_level = 2, 5
        self.base = DLA34()
        if pretrained:  # a local DLA-34 ImageNet state dict (official dla34-ba72cf86.pth keys)
            what = "DLA-34 ImageNet weights"
            state = read_torch_file(pretrained, what)
            if isinstance(state, dict):
                state = {k: v for k, v in state.items() if not k.startswith("fc")}
            load_weights(self.base, state, pretrained, what)
        channels = list(self.base.channels)
        scales = [2 ** i for i in range(len(channels[self.first_level:]))]
        self.dla_up = DLAUp(self.first_level, channels[self.first_level:], scales, dcn)
        out_channel = channels[self.first_level]
        self.ida_up = IDAUp(out_channel, channels[self.first_level:self.last_level],
                            [2 ** i for i in range(self.last_level - self.first_level)], dcn)
        self.heads = CenterHeads(out_channel, num_classes, head_conv)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        x = self.dla_up(self.base(x))
        y = [x[i].clone() for i in range(self.last_level - self.first_level)]
        self.ida_up(y, 0, len(y))
        return self.heads(y[-1])
