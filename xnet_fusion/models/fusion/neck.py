"""Fusion stage 4, the fusion neck: back to the detection head's channel count (X-Net
``FusionNeckNN``: 1x1 conv + BN + ReLU).

``residual=True`` (not in X-Net) adds the point branch's BEV map back:
``relu(BN(conv(x)) + pts_feat)`` with the BN scale initialised to zero, the zero-init residual of
Goyal et al. 2017 (torchvision's ``zero_init_residual``). A fusion model warm-started from a
trained point-only model then computes exactly that model's features at its first iteration, and
the fusion block can only add to them.
"""

from __future__ import annotations

from mmcv.cnn import ConvModule
from mmdet3d.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor, nn
from torch.nn import functional as F


@MODELS.register_module()
class FusionNeck(BaseModule):
    """(B, in_channels, h, w) -> (B, out_channels, h, w); with ``residual`` also the point map
    ``identity`` (B, out_channels, H, W) added before the ReLU, the neck's output upsampled
    (nearest) to its H x W first when the fusion block ran on a coarser grid."""

    def __init__(self, in_channels: int, out_channels: int = 512, residual: bool = False,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.residual = residual
        self.conv = ConvModule(in_channels, out_channels, kernel_size=1, padding=0, bias=True,
                               conv_cfg=dict(type='Conv2d'), norm_cfg=dict(type='BN2d'),
                               act_cfg=None if residual else dict(type='ReLU'), inplace=True)

    def init_weights(self) -> None:
        super().init_weights()
        if self.residual:  # the sum starts as the identity
            nn.init.zeros_(self.conv.norm.weight)

    def forward(self, feats: Tensor, identity: Tensor | None = None) -> Tensor:
        if not self.residual:
            return self.conv(feats)
        if identity is None:
            raise ValueError('FusionNeck(residual=True) needs the point features (identity)')
        out = self.conv(feats)
        if out.shape[-2:] != identity.shape[-2:]:
            out = F.interpolate(out, size=identity.shape[-2:], mode='nearest')
        return F.relu(out + identity)
