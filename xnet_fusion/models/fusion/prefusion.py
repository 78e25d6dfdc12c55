"""Fusion stage 1, pre-fusion: image and BEV point features on one grid, concatenated.

X-Net's ``PreFusionCat`` (Discover304/MMDetection3D-Explainable, ``x_net_fusion_layers.py``):
a 1x1 conv + BN + ReLU per modality, dropout, then ``cat((img, pts), dim=1)``. How the image
features reach the BEV grid is the swappable part:

* :class:`NaivePreFusion` (the original): each image FPN level is centre-padded (replicate) or
  centre-cropped onto the BEV grid, or resized to it, and the levels are summed. No geometry: a
  pixel lands on whatever BEV cell has the same array index.
* :class:`GeometricPreFusion`: every BEV cell centre (at a few heights) is projected through the
  frame's calibration (``lidar2img``) into the image and the image features are sampled there
  with ``grid_sample`` (mmdet3d's ``point_sample``, which also undoes the point-cloud and image
  augmentations recorded in the metadata).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from mmcv.cnn import ConvModule
from mmdet3d.models.layers.fusion_layers.point_fusion import point_sample
from mmdet3d.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor
from torch.nn import functional as F


def _transform(in_channels: int, out_channels: int) -> ConvModule:
    """1x1 conv + BN + ReLU with bias, as the original's ConvModule."""
    return ConvModule(in_channels, out_channels, kernel_size=1, padding=0, bias=True,
                      conv_cfg=dict(type='Conv2d'), norm_cfg=dict(type='BN2d'),
                      act_cfg=dict(type='ReLU'), inplace=True)


class _PreFusion(BaseModule):
    """Shared part: per-modality 1x1 transforms, dropout and the concatenation (image first)."""

    def __init__(self, img_channels: int, pts_channels: int, img_out_channels: int = 64,
                 pts_out_channels: int = 64, img_levels: int = 1, dropout_ratio: float = 0.2,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.img_levels = img_levels
        self.dropout_ratio = dropout_ratio
        self.img_transform = _transform(img_channels, img_out_channels)
        self.pts_transform = _transform(pts_channels, pts_out_channels)
        self.out_channels = img_out_channels + pts_out_channels

    def img_to_bev(self, img_feats: Sequence[Tensor], bev_hw: tuple[int, int],
                   img_metas: Sequence[dict]) -> Tensor:
        raise NotImplementedError

    def forward(self, img_feats: Sequence[Tensor], pts_feat: Tensor,
                img_metas: Sequence[dict]) -> Tensor:
        """img_feats: FPN levels (B, Ci, h_l, w_l); pts_feat (B, Cp, H, W) ->
        (B, img_out + pts_out, H, W)."""
        img = self.img_to_bev(img_feats[:self.img_levels], pts_feat.shape[-2:], img_metas)
        img = F.dropout(self.img_transform(img), self.dropout_ratio, training=self.training)
        pts = F.dropout(self.pts_transform(pts_feat), self.dropout_ratio, training=self.training)
        return torch.cat((img, pts), dim=1)


def fit_to_grid(feat: Tensor, height: int, width: int) -> Tensor:
    """Centre-crop then centre-pad (replicate, as the original) (B, C, h, w) to (B, C, H, W)."""
    _, _, h, w = feat.shape
    top, left = max(h - height, 0) // 2, max(w - width, 0) // 2
    feat = feat[:, :, top:top + min(h, height), left:left + min(w, width)]
    dh, dw = height - feat.shape[2], width - feat.shape[3]
    if dh or dw:
        feat = F.pad(feat, (dw // 2, dw - dw // 2, dh // 2, dh - dh // 2), mode='replicate')
    return feat


@MODELS.register_module()
class NaivePreFusion(_PreFusion):
    """Image levels brought to the BEV grid by array position (``mode='pad'``, the original) or
    bilinear resizing (``mode='resize'``), then summed.

    The original upsampled level l > 0 by ``batch_index + 1`` (a loop-variable slip); here every
    level keeps its own resolution, which is what the original does for the first sample.
    """

    def __init__(self, *args, mode: str = 'pad', **kwargs):
        super().__init__(*args, **kwargs)
        if mode not in ('pad', 'resize'):
            raise ValueError(f"mode must be 'pad' or 'resize', got {mode!r}")
        self.mode = mode

    def img_to_bev(self, img_feats, bev_hw, img_metas):
        height, width = bev_hw
        out = 0
        for feat in img_feats:
            if self.mode == 'pad':
                out = out + fit_to_grid(feat, height, width)
            else:
                out = out + F.interpolate(feat, size=(height, width), mode='bilinear',
                                          align_corners=False)
        return out


def bev_cell_centres(point_cloud_range: Sequence[float], bev_hw: tuple[int, int],
                     heights: Sequence[float], device=None) -> Tensor:
    """LiDAR-frame centres (Z*H*W, 3) of the BEV cells: row i is y, column j is x (mmdet3d's
    SparseEncoder layout), one copy per height in ``heights``."""
    x0, y0, _, x1, y1, _ = point_cloud_range
    height, width = bev_hw
    ys = y0 + (torch.arange(height, device=device, dtype=torch.float32) + 0.5) * (y1 - y0) / height
    xs = x0 + (torch.arange(width, device=device, dtype=torch.float32) + 0.5) * (x1 - x0) / width
    yy, xx = torch.meshgrid(ys, xs, indexing='ij')
    cells = []
    for z in heights:
        cells.append(torch.stack((xx, yy, torch.full_like(xx, float(z))), dim=-1).reshape(-1, 3))
    return torch.cat(cells, dim=0)


def sample_image_at_points(feat: Tensor, points: Tensor, img_meta: dict,
                           align_corners: bool = False) -> tuple[Tensor, Tensor]:
    """Image features (P, C) at LiDAR points (P, 3) of one frame and a validity mask (P,).

    feat: (1, C, h, w) covering the padded network input ``img_meta['batch_input_shape']``.
    Projection, resize, crop and flip as mmdet3d's PointFusion.sample_single.
    """
    scale = (points.new_tensor(img_meta['scale_factor'][:2])
             if 'scale_factor' in img_meta else 1)
    crop = points.new_tensor(img_meta['img_crop_offset']) if 'img_crop_offset' in img_meta else 0
    return point_sample(
        img_meta=img_meta, img_features=feat, points=points,
        proj_mat=points.new_tensor(img_meta['lidar2img']), coord_type='LIDAR',
        img_scale_factor=scale, img_crop_offset=crop, img_flip=img_meta.get('flip', False),
        img_pad_shape=img_meta['batch_input_shape'][:2], img_shape=img_meta['img_shape'][:2],
        aligned=True, padding_mode='zeros', align_corners=align_corners, valid_flag=True)


@MODELS.register_module()
class GeometricPreFusion(_PreFusion):
    """Image features sampled at the projection of each BEV cell centre.

    ``point_cloud_range`` is the BEV grid's range (XNet fills in its voxelization range when
    None). Each cell is sampled at ``heights`` (LiDAR z, metres) and the valid samples (in front
    of the camera, inside the image) are averaged; cells that see nothing get zeros. Levels are
    summed.
    """

    def __init__(self, *args, point_cloud_range: Sequence[float] | None = None,
                 heights: Sequence[float] = (-1.0,), align_corners: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.point_cloud_range = list(point_cloud_range) if point_cloud_range else None
        self.heights = list(heights)
        self.align_corners = align_corners

    def img_to_bev(self, img_feats, bev_hw, img_metas):
        height, width = bev_hw
        cells = bev_cell_centres(self.point_cloud_range, bev_hw, self.heights,
                                 device=img_feats[0].device)
        n_z = len(self.heights)
        frames = []
        for b, meta in enumerate(img_metas):
            total = 0
            for feat in img_feats:
                sampled, valid = sample_image_at_points(feat[b:b + 1], cells, meta,
                                                        self.align_corners)
                sampled = sampled.reshape(n_z, height * width, -1)
                valid = valid.reshape(n_z, height * width, 1).to(sampled.dtype)
                total = total + (sampled * valid).sum(0) / valid.sum(0).clamp_min(1.0)
            frames.append(total.t().reshape(-1, height, width))
        return torch.stack(frames, dim=0)
