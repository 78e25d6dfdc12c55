"""XNet: SECOND point branch + ResNet/FPN image branch + a four-stage fusion block + Anchor3DHead.

Structure of X-Net's ``XNet`` detector (Discover304/MMDetection3D-Explainable,
``mmdet3d/models/detectors/x_net.py``), ported to the MMDetection3D 1.x API:

    points -> hard voxels (data preprocessor) -> HardSimpleVFE -> SparseEncoder -> SECOND
           -> SECONDFPN -> pts_feat (B, Cp, H, W)
    image  -> ResNet -> FPN -> img_feats [(B, Ci, h_l, w_l)]
    feats  = pre_fusion(img_feats, pts_feat)              (B, C, H, W)   stage 1
    adj    = get_graph(feats)                             (B, C, C)      stage 2 (optional)
    fused  = fusion(feats, adj)                           (B, C', H, W)  stage 3
    out    = fusion_neck(cat(feats, fused))               (B, Ch, H, W)  stage 4
             (residual neck: relu(neck(...) + pts_feat), zero at first; see fusion/neck.py)
    -> Anchor3DHead (or HeadingCueAnchor3DHead, which also reads the raw points)

Without an image branch (``img_backbone=None``) it is SECOND: the head reads pts_feat.
``fusion_stride=2`` (not in X-Net, whose fusion block runs on the head's grid) runs the fusion
block on pts_feat average-pooled 2x2 and upsamples the fusion neck's output (nearest) back to
the head's grid, before the residual sum: 4x fewer BEV cells for the four stages. The 1x1 neck
(conv + BatchNorm) gives the same result before or after nearest upsampling.
``freeze`` names submodules (e.g. ``('get_graph',)``, or dotted: ``'pts_bbox_head.conv_cls'``)
whose parameters stay fixed and whose norm layers stay in eval mode - the "graph frozen after
pre-training" experiment, and the direction-classifier refit of ``synth/base_dir_refit``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from mmdet3d.models.detectors import Base3DDetector
from mmdet3d.registry import MODELS
from torch import Tensor
from torch.nn import functional as F

FUSION_STAGES = ('pre_fusion', 'get_graph', 'fusion', 'fusion_neck')


@MODELS.register_module()
class XNet(Base3DDetector):
    """Explainable multimodal (LiDAR + camera) 3D detector; see the module docstring."""

    def __init__(self, pts_voxel_encoder: dict, pts_middle_encoder: dict, pts_backbone: dict,
                 pts_neck: dict | None = None, img_backbone: dict | None = None,
                 img_neck: dict | None = None, pre_fusion: dict | None = None,
                 get_graph: dict | None = None, fusion: dict | None = None,
                 fusion_neck: dict | None = None, pts_bbox_head: dict | None = None,
                 fusion_stride: int = 1, freeze: Sequence[str] = (), train_cfg: dict | None = None,
                 test_cfg: dict | None = None, data_preprocessor: dict | None = None,
                 init_cfg: dict | None = None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.pts_voxel_encoder = MODELS.build(pts_voxel_encoder)
        self.pts_middle_encoder = MODELS.build(pts_middle_encoder)
        self.pts_backbone = MODELS.build(pts_backbone)
        self.pts_neck = MODELS.build(pts_neck) if pts_neck else None
        self.img_backbone = MODELS.build(img_backbone) if img_backbone else None
        self.img_neck = MODELS.build(img_neck) if img_neck else None
        # channel counts left as None follow the modules they connect: the image FPN's and the
        # point FPN's outputs into pre-fusion, the head's input out of the fusion neck
        if pre_fusion and pre_fusion.get('img_channels', 0) is None and img_neck:
            pre_fusion = dict(pre_fusion, img_channels=img_neck['out_channels'])
        if pre_fusion and pre_fusion.get('pts_channels', 0) is None and pts_neck:
            pre_fusion = dict(pre_fusion, pts_channels=sum(pts_neck['out_channels']))
        if fusion_neck and fusion_neck.get('out_channels', 0) is None and pts_bbox_head:
            fusion_neck = dict(fusion_neck, out_channels=pts_bbox_head['in_channels'])
        stages = (pre_fusion, get_graph, fusion, fusion_neck)
        for name, cfg in zip(FUSION_STAGES, stages, strict=True):
            setattr(self, name, MODELS.build(cfg) if cfg else None)
        if getattr(self.pre_fusion, 'point_cloud_range', False) is None:  # geometric: default
            self.pre_fusion.point_cloud_range = list(   # to the voxelization range
                data_preprocessor['voxel_layer']['point_cloud_range'])
        if self.img_backbone is not None and (self.pre_fusion is None or self.fusion is None
                                              or self.fusion_neck is None):
            raise ValueError('an image branch needs pre_fusion, fusion and fusion_neck')
        if getattr(self.fusion_neck, 'residual', False) and pts_neck and (
                sum(pts_neck['out_channels']) != fusion_neck['out_channels']):
            raise ValueError(f"a residual fusion neck adds the point features back: its "
                             f"out_channels ({fusion_neck['out_channels']}) must equal the "
                             f"point FPN's ({sum(pts_neck['out_channels'])})")
        if fusion_stride < 1 or (fusion_stride > 1 and self.img_backbone is None):
            raise ValueError(f'fusion_stride must be >= 1, and 1 without an image branch; got '
                             f'{fusion_stride}')
        self.fusion_stride = int(fusion_stride)
        if self.get_graph is not None and self.img_backbone is None:
            raise ValueError('get_graph without an image branch has nothing to read')
        pts_bbox_head = dict(pts_bbox_head)
        pts_bbox_head.update(train_cfg=train_cfg, test_cfg=test_cfg)
        self.pts_bbox_head = MODELS.build(pts_bbox_head)
        if getattr(self.pts_bbox_head, 'point_cloud_range', False) is None:  # heading cue's grid
            self.pts_bbox_head.point_cloud_range = list(
                data_preprocessor['voxel_layer']['point_cloud_range'])
        self.train_cfg = train_cfg
        self.test_cfg = test_cfg
        self.frozen = tuple(freeze)
        for name in self.frozen:
            try:
                self.get_submodule(name).requires_grad_(False)
            except AttributeError:
                raise ValueError(f'freeze: the detector has no {name!r}') from None

    @property
    def with_img(self) -> bool:
        return self.img_backbone is not None

    def train(self, mode: bool = True):
        super().train(mode)
        for name in self.frozen:
            self.get_submodule(name).eval()
        return self

    # ---- features ------------------------------------------------------------------------
    def extract_pts_feat(self, voxel_dict: dict) -> Tensor:
        """Hard voxels -> BEV map (B, Cp, H, W) (the first SECONDFPN output)."""
        feats = self.pts_voxel_encoder(voxel_dict['voxels'], voxel_dict['num_points'],
                                       voxel_dict['coors'])
        batch_size = int(voxel_dict['coors'][-1, 0].item()) + 1
        x = self.pts_backbone(self.pts_middle_encoder(feats, voxel_dict['coors'], batch_size))
        if self.pts_neck is not None:
            x = self.pts_neck(x)
        return x[0]

    def extract_img_feat(self, imgs: Tensor) -> list[Tensor]:
        """(B, 3, H, W) -> FPN levels, finest first."""
        x = self.img_backbone(imgs)
        return list(self.img_neck(x) if self.img_neck is not None else x)

    def extract_parts(self, batch_inputs_dict: dict, batch_input_metas: list[dict]) -> dict:
        """Every intermediate of the fusion block (for explanations): pts_feat, img_feats,
        feats (pre-fused), adj (or None), fused, out (what the head reads)."""
        parts = dict(pts_feat=self.extract_pts_feat(batch_inputs_dict['voxels']))
        if not self.with_img:
            parts['out'] = parts['pts_feat']
            return parts
        parts['img_feats'] = self.extract_img_feat(batch_inputs_dict['imgs'])
        pts_feat = parts['pts_feat']
        if self.fusion_stride > 1:
            pts_feat = F.avg_pool2d(pts_feat, self.fusion_stride)
        feats = self.pre_fusion(parts['img_feats'], pts_feat, batch_input_metas)
        adj = self.get_graph(feats) if self.get_graph is not None else None
        fused = self.fusion(feats, adj)
        neck_in = torch.cat((feats, fused), dim=1)
        if getattr(self.fusion_neck, 'residual', False):  # upsamples before the sum
            out = self.fusion_neck(neck_in, parts['pts_feat'])
        else:
            out = self.fusion_neck(neck_in)
            if out.shape[-2:] != parts['pts_feat'].shape[-2:]:
                out = F.interpolate(out, size=parts['pts_feat'].shape[-2:], mode='nearest')
        parts.update(feats=feats, adj=adj, fused=fused, out=out)
        return parts

    def extract_feat(self, batch_inputs_dict: dict, batch_input_metas: list[dict]) -> list[Tensor]:
        return [self.extract_parts(batch_inputs_dict, batch_input_metas)['out']]

    def head_input(self, batch_inputs_dict: dict, out: Tensor) -> list[Tensor] | tuple:
        """What the head reads: ``[out]``, or ``(out, points)`` for a head that also reads the
        raw points (``reads_points``: HeadingCueAnchor3DHead)."""
        if getattr(self.pts_bbox_head, 'reads_points', False):
            return out, batch_inputs_dict['points']
        return [out]

    def _head_input(self, batch_inputs_dict: dict, batch_data_samples: list | None) -> list | tuple:
        metas = [s.metainfo for s in batch_data_samples] if batch_data_samples else []
        out = self.extract_feat(batch_inputs_dict, metas)[0]
        return self.head_input(batch_inputs_dict, out)

    # ---- mmdet3d entry points ------------------------------------------------------------
    def loss(self, batch_inputs_dict: dict, batch_data_samples: list, **kwargs) -> dict:
        x = self._head_input(batch_inputs_dict, batch_data_samples)
        return self.pts_bbox_head.loss(x, batch_data_samples, **kwargs)

    def predict(self, batch_inputs_dict: dict, batch_data_samples: list, **kwargs) -> list:
        x = self._head_input(batch_inputs_dict, batch_data_samples)
        results = self.pts_bbox_head.predict(x, batch_data_samples, **kwargs)
        return self.add_pred_to_datasample(batch_data_samples, results)

    def _forward(self, batch_inputs_dict: dict, batch_data_samples: list | None = None,
                 **kwargs):
        return self.pts_bbox_head.forward(self._head_input(batch_inputs_dict, batch_data_samples))
