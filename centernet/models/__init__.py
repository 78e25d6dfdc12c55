"""CenterNet networks: ``build_model("res18" | "dla34", num_classes, dcn=False)``."""

from __future__ import annotations

from torch import nn

from centernet.models.dla import DLACenterNet
from centernet.models.resnet import ResNetCenterNet

ARCHS = ("res18", "dla34")
HEAD_CONV = {"res18": 64, "dla34": 256}  # official opts: 64 for ResNets, 256 for DLA
DOWN_RATIO = 4


def build_model(arch: str, num_classes: int, dcn: bool = False,
                pretrained: str | None = None) -> nn.Module:
    """A CenterNet mapping (B, 3, H, W) to {"hm", "wh", "reg"} maps at stride 4."""
    if arch == "res18":
        return ResNetCenterNet(num_classes, 18, dcn, HEAD_CONV[arch], pretrained)
    if arch == "dla34":
        return DLACenterNet(num_classes, dcn, HEAD_CONV[arch], pretrained)
    raise ValueError(f"unknown arch {arch!r}, expected one of {ARCHS}")
