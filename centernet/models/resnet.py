"""ResNet-18 (torchvision) + the paper's up-convolution neck (official resnet_dcn.py).

C5 (512 ch, stride 32) -> three stages of [3x3 conv (DCN optional) + BN + ReLU, 4x4 transposed
conv stride 2 (bilinear init) + BN + ReLU] with 256, 128, 64 channels -> stride 4 -> heads
(head_conv 64).
"""

from __future__ import annotations

import torch
import torchvision
from torch import nn

from centernet.models.dcn import conv3x3
from centernet.models.heads import CenterHeads, fill_up_weights

BN_MOMENTUM = 0.1  # official BN_MOMENTUM


class UpConvNeck(nn.Module):
    """(B, 512, H/32, W/32) -> (B, 64, H/4, W/4)."""

    def __init__(self, cin: int = 512, filters: tuple[int, ...] = (256, 128, 64),
                 dcn: bool = False, per_channel_up: bool = False):
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
        self.out_channels = cin

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class ResNetCenterNet(nn.Module):
    """(B, 3, H, W) image -> head outputs at stride 4 (see CenterHeads)."""

    def __init__(self, num_classes: int, depth: int = 18, dcn: bool = False,
                 head_conv: int = 64, pretrained: str | None = None,
                 per_channel_up: bool = False):
        super().__init__()
        resnet = getattr(torchvision.models, f"resnet{depth}")(weights=None)
        if pretrained:  # a local torchvision state dict; never downloaded
            resnet.load_state_dict(torch.load(pretrained, map_location="cpu", weights_only=True))
        self.backbone = nn.Sequential(resnet.conv1, resnet.bn1, resnet.relu, resnet.maxpool,
                                      resnet.layer1, resnet.layer2, resnet.layer3, resnet.layer4)
        self.neck = UpConvNeck(resnet.fc.in_features, dcn=dcn, per_channel_up=per_channel_up)
        self.heads = CenterHeads(self.neck.out_channels, num_classes, head_conv)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        return self.heads(self.neck(self.backbone(x)))
