"""CenterNet networks: ``build_model("res18" | "dla34", num_classes, dcn=False)``."""

from __future__ import annotations

from torch import nn

from centernet.models.dla import DLACenterNet
from centernet.models.resnet import ResNetCenterNet

ARCHS = ("res18", "dla34")
HEAD_CONV = {"res18": 64, "dla34": 256}  # official opts: 64 for ResNets, 256 for DLA
DOWN_RATIO = 4


def build_model(arch: str, num_classes: int, dcn: bool = False,
                pretrained: str | None = None, head_conv: int | None = None,
                per_channel_up: bool = False, neck: str = "official") -> nn.Module:
    """A CenterNet mapping (B, 3, H, W) to {"hm", "wh", "reg"} maps at stride 4.

    head_conv: width of the heads' 3x3 conv (official --head_conv; None: 64 ResNet, 256 DLA).
    per_channel_up: ResNet only, the fixed bilinear init of the neck's deconvs (see
    centernet.models.heads.fill_up_weights); DLA's are per channel already.
    neck: ResNet only, "official" (plain up-convolutions) or "skip" (laterals from C5 / C4 / C3,
    see centernet.models.resnet); DLA has its own IDA-up skips.
    """
    head_conv = head_conv or HEAD_CONV.get(arch, 0)
    if arch == "res18":
        return ResNetCenterNet(num_classes, 18, dcn, head_conv, pretrained, per_channel_up, neck)
    if neck != "official":
        raise ValueError(f"neck {neck!r} is for res18; dla34 has its own IDA-up skips")
    if arch == "dla34":
        return DLACenterNet(num_classes, dcn, head_conv, pretrained)
    raise ValueError(f"unknown arch {arch!r}, expected one of {ARCHS}")
