"""Fusion stage 4, the fusion neck: back to the detection head's channel count (X-Net
``FusionNeckNN``: 1x1 conv + BN + ReLU)."""

from __future__ import annotations

from mmcv.cnn import ConvModule
from mmdet3d.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor


@MODELS.register_module()
class FusionNeck(BaseModule):
    """(B, in_channels, H, W) -> (B, out_channels, H, W)."""

    def __init__(self, in_channels: int, out_channels: int = 512, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.conv = ConvModule(in_channels, out_channels, kernel_size=1, padding=0, bias=True,
                               conv_cfg=dict(type='Conv2d'), norm_cfg=dict(type='BN2d'),
                               act_cfg=dict(type='ReLU'), inplace=True)

    def forward(self, feats: Tensor) -> Tensor:
        return self.conv(feats)
