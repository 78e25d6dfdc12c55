"""A heading cue of its own for SECOND's direction classifier (not in SECOND or X-Net).

SECOND's direction classifier is a 1x1 conv on the head's BEV features; the box loss compares
angles through sin(a - b), the same for a box and its 180 deg turn, so only the 0.2-weighted
direction loss asks the shared layers for the heading. Within a CPU budget of ~2,000 iterations
they do not learn it at 0.2, and at 1.0 they learn it at the boxes' expense
(docs/xnet_fusion.md, "Heading"). This head adds to that classifier's logits those of a small
CNN of its own over a BEV height map of the raw points, at the head's grid:

    points [(N_i, >=3)] -> height map (B, 3, H, W): max z, min z (each scaled to the range's
        z extent, 0 in an empty cell), log(1 + points) / 4
    -> 4 x (3x3 conv, dilation 1, 2, 4, 1; BN; ReLU), receptive field 17 cells
    -> 1x1 conv -> (B, A * 2, H, W), added to ``conv_dir_cls``'s output

Its convs start as the head's (Normal, std 0.01), so the sum starts as SECOND's classifier. It
reads a vehicle's height profile (bonnet lower than the roof) over its neighbouring cells; as its
logits explain the direction
targets, the direction loss's gradient into the shared layers shrinks. The head is
``Anchor3DHead`` otherwise; its input is ``(bev_feat, points)`` (XNet passes the points when
``reads_points`` is set).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from mmdet3d.models.dense_heads import Anchor3DHead
from mmdet3d.registry import MODELS
from torch import Tensor, nn


def bev_height_map(points: Sequence[Tensor], point_cloud_range: Sequence[float],
                   size: tuple[int, int]) -> Tensor:
    """Points [(N_i, >=3) LiDAR x, y, z] -> (B, 3, H, W) on the grid of ``size`` = (H, W) cells
    over ``point_cloud_range`` (x along W, y along H, as SECOND's BEV map): max z, min z
    ((z - z_min) / (z_max - z_min), 0 where empty) and log(1 + count) / 4."""
    x0, y0, z0, x1, y1, z1 = point_cloud_range
    h, w = size
    maps = []
    for pts in points:
        col = ((pts[:, 0] - x0) * (w / (x1 - x0))).floor().long()
        row = ((pts[:, 1] - y0) * (h / (y1 - y0))).floor().long()
        z = ((pts[:, 2] - z0) / (z1 - z0)).clamp(0, 1)
        keep = (col >= 0) & (col < w) & (row >= 0) & (row < h)
        cell, z = row[keep] * w + col[keep], z[keep]
        count = torch.zeros(h * w, dtype=z.dtype, device=z.device).index_add_(
            0, cell, torch.ones_like(z))
        zmax = torch.zeros_like(count).scatter_reduce_(0, cell, z, 'amax', include_self=True)
        zmin = torch.ones_like(count).scatter_reduce_(0, cell, z, 'amin', include_self=True)
        zmin = torch.where(count > 0, zmin, torch.zeros_like(zmin))
        maps.append(torch.stack((zmax, zmin, torch.log1p(count) / 4)).view(3, h, w))
    return torch.stack(maps)


class HeadingCue(nn.Module):
    """Height map (B, 3, H, W) -> direction logits (B, out_channels, H, W)."""

    def __init__(self, out_channels: int, channels: int = 16,
                 dilations: Sequence[int] = (1, 2, 4, 1)):
        super().__init__()
        layers, c_in = [], 3
        for d in dilations:
            layers += [nn.Conv2d(c_in, channels, 3, padding=d, dilation=d, bias=False),
                       nn.BatchNorm2d(channels, eps=1e-3, momentum=0.01), nn.ReLU(inplace=True)]
            c_in = channels
        self.body = nn.Sequential(*layers)
        self.logits = nn.Conv2d(channels, out_channels, 1)

    def forward(self, height_map: Tensor) -> Tensor:
        return self.logits(self.body(height_map))


@MODELS.register_module()
class HeadingCueAnchor3DHead(Anchor3DHead):
    """Anchor3DHead whose direction logits add a height-map CNN's (module docstring).

    Args:
        point_cloud_range: the range (x0, y0, z0, x1, y1, z1) the BEV grid spans; XNet sets the
            voxelization range where it is left None.
        cue_channels: width of the cue's CNN.
    """

    reads_points = True

    def __init__(self, point_cloud_range: Sequence[float] | None = None, cue_channels: int = 16,
                 **kwargs):
        super().__init__(**kwargs)
        if not self.use_direction_classifier:
            raise ValueError('HeadingCueAnchor3DHead adds to the direction classifier: '
                             'use_direction_classifier must be True')
        self.point_cloud_range = list(point_cloud_range) if point_cloud_range else None
        self.heading_cue = HeadingCue(self.num_anchors * 2, cue_channels)

    def forward(self, x: tuple[Tensor, Sequence[Tensor]]) -> tuple[list[Tensor], ...]:
        """x = (bev_feat (B, C, H, W), points [(N_i, >=3)]) -> cls, bbox, dir lists (one level)."""
        feat, points = x
        cls_score, bbox_pred, dir_cls_pred = self.forward_single(feat)
        height = bev_height_map(points, self.point_cloud_range, tuple(feat.shape[-2:]))
        return [cls_score], [bbox_pred], [dir_cls_pred + self.heading_cue(height)]
