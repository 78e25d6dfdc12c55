"""ResNet-18 (torchvision) + the paper's up-convolution neck (official resnet_dcn.py).

C5 (512 ch, stride 32) -> three stages of [3x3 conv (DCN optional) + BN + ReLU, 4x4 transposed
conv stride 2 (bilinear init) + BN + ReLU] with 256, 128, 64 channels -> stride 4 -> heads
(head_conv 64).

``neck="skip"`` (not in the paper) adds a lateral to each stage: a 1x1 conv of C5 / C4 / C3,
upsampled x2 (nearest), is added to the stage's stride-16 / 8 / 4 output, in the spirit of
DLA's IDA-up. The official neck has no skips because it starts from ImageNet weights; from
random weights its three randomly initialised deconv stages block the class signal that C5
already carries (docs/centernet.md measures it).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
import torchvision
from torch import nn

from centernet.checkpoint import load_weights, read_torch_file
from centernet.models.dcn import conv3x3
from centernet.models.heads import CenterHeads, fill_up_weights

BN_MOMENTUM = 0.1  # official BN_MOMENTUM
NECKS = ("official", "skip")
STAGE_LEN = 6  # modules per up-conv stage in UpConvNeck.layers
C3_C4_C5 = (5, 6, 7)  # indices of layer2, layer3, layer4 (strides 8, 16, 32) in the backbone


class UpConvNeck(nn.Module):
    """[C3, C4, C5] of (B, 128 | 256 | 512, H/8 | H/16 | H/32, ...) -> (B, 64, H/4, W/4).

    The official neck reads C5 only; with ``skips`` (channels of C5, C4, C3) stage i adds the
    upsampled 1x1 lateral of the matching level to its output.
    """

    def __init__(self, cin: int = 512, filters: tuple[int, ...] = (256, 128, 64),
                 dcn: bool = False, per_channel_up: bool = False,
                 skips: tuple[int, ...] | None = None):
        super().__init__()
        layers: list[nn.Module] = []
        for planes in filters:
            up = nn.ConvTranspose2d(planes, planes, 4, stride=2, padding=1, output_padding=0,
                                    bias=False)
            fill_up_weights(up, per_channel_up)
            layers += [conv3x3(cin, planes, dcn, bias=True),
                       nn.BatchNorm2d(planes, momentum=BN_MOMENTUM), nn.ReLU(inplace=True),
                       up, nn.BatchNorm2d(planes, momentum=BN_MOMENTUM), nn.ReLU(inplace=True)]
            cin = planes
        self.layers = nn.Sequential(*layers)
        self.laterals = None
        if skips:
            self.laterals = nn.ModuleList(
                nn.Conv2d(c, planes, 1) for c, planes in zip(skips, filters, strict=True))
        self.out_channels = cin

    def forward(self, feats: list[torch.Tensor]) -> torch.Tensor:
        if self.laterals is None:
            return self.layers(feats[-1])
        x = feats[-1]
        for i, lateral in enumerate(self.laterals):
            x = self.layers[i * STAGE_LEN:(i + 1) * STAGE_LEN](x)
            x = x + F.interpolate(lateral(feats[-1 - i]), scale_factor=2, mode="nearest")
        return x


class ResNetCenterNet(nn.Module):
    """(B, 3, H, W) image -> head outputs at stride 4 (see CenterHeads)."""

    def __init__(self, num_classes: int, depth: int = 18, dcn: bool = False,
                 head_conv: int = 64, pretrained: str | None = None,
                 per_channel_up: bool = False, neck: str = "official"):
        super().__init__()
        if neck not in NECKS:
            raise ValueError(f"unknown neck {neck!r}, expected one of {NECKS}")
        resnet = getattr(torchvision.models, f"resnet{depth}")(weights=None)
        if pretrained:  # a local torchvision state dict; never downloaded
            what = f"torchvision resnet{depth} ImageNet weights"
            load_weights(resnet, read_torch_file(pretrained, what), pretrained, what)
        self.backbone = nn.Sequential(resnet.conv1, resnet.bn1, resnet.relu, resnet.maxpool,
                                      resnet.layer1, resnet.layer2, resnet.layer3, resnet.layer4)
        c5 = resnet.fc.in_features
        skips = (c5, c5 // 2, c5 // 4) if neck == "skip" else None  # C5, C4, C3 channels
        self.neck = UpConvNeck(c5, dcn=dcn, per_channel_up=per_channel_up, skips=skips)
        self.heads = CenterHeads(self.neck.out_channels, num_classes, head_conv)

    def features(self, x: torch.Tensor) -> list[torch.Tensor]:
        """(B, 3, H, W) -> [C3, C4, C5] at strides 8, 16, 32."""
        feats = []
        for i, module in enumerate(self.backbone):
            x = module(x)
            if i in C3_C4_C5:
                feats.append(x)
        return feats

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        return self.heads(self.neck(self.features(x)))
