"""Fusion stage 2, the channel graph: a weighted adjacency (B, C, C) over the C concatenated
image + point channels, the part of X-Net meant to be read (see ``xnet_fusion.explain``).

Both graphs follow X-Net's ``x_net_fusion_layers.py``: non-negative weights (ReLU) and no
self-loops (zero diagonal). ``get_graph=None`` in a config means no graph (plain fusion).
"""

from __future__ import annotations

import torch
import torchvision
from mmdet3d.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor, nn


def _resnet18(in_channels: int, norm: str = 'BN') -> nn.Module:
    """torchvision ResNet-18 (random init, 1000 outputs) reading ``in_channels`` planes, with
    BatchNorm ('BN', torchvision's and X-Net's) or GroupNorm of 32 groups ('GN')."""
    if norm not in ('BN', 'GN'):
        raise ValueError(f"norm must be 'BN' or 'GN', got {norm!r}")
    net = torchvision.models.resnet18(
        norm_layer=(lambda channels: nn.GroupNorm(32, channels)) if norm == 'GN' else None)
    net.conv1 = nn.Conv2d(in_channels, 64, kernel_size=7, stride=2, padding=3, bias=False)
    return net


def _no_self_loops(adj: Tensor) -> Tensor:
    """Zero the diagonal of (B, C, C) (the original's ``where(mask == 1, W, mask)``)."""
    eye = torch.eye(adj.shape[-1], dtype=torch.bool, device=adj.device)
    return adj.masked_fill(eye, 0.0)


def pearson(x: Tensor) -> Tensor:
    """Pearson correlation between the rows of (B, C, D) -> (B, C, C); a constant row (a dead
    ReLU channel) correlates 0 with everything (torch.corrcoef would give NaN)."""
    x = x - x.mean(dim=-1, keepdim=True)
    norm = x.norm(dim=-1, keepdim=True)
    x = x / norm.clamp_min(1e-12)
    corr = x @ x.transpose(1, 2)
    return corr * (norm > 1e-12) * (norm > 1e-12).transpose(1, 2)


@MODELS.register_module()
class PearsonGraph(BaseModule):
    """Edge weight = ReLU(Pearson correlation) of two channels (X-Net ``GetGraphPearson``).

    ``embed='resnet18'`` correlates the 1000-d ResNet-18 embeddings of the channel maps, as the
    original does (one ResNet-18 pass per channel); ``embed=None`` correlates the maps
    themselves (their H*W values), which costs nothing and has no parameters.
    """

    def __init__(self, embed: str | None = None, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if embed not in (None, 'resnet18'):
            raise ValueError(f"embed must be None or 'resnet18', got {embed!r}")
        self.embed = _resnet18(1) if embed else None

    def forward(self, feats: Tensor) -> Tensor:
        """feats (B, C, H, W) -> adjacency (B, C, C)."""
        b, c, h, w = feats.shape
        if self.embed is not None:
            desc = self.embed(feats.reshape(b * c, 1, h, w)).reshape(b, c, -1)
        else:
            desc = feats.reshape(b, c, h * w)
        return torch.relu(_no_self_loops(pearson(desc)))


@MODELS.register_module()
class LearnedGraph(BaseModule):
    """A network predicts the adjacency from the fused features (X-Net ``GetGraphNN``):
    ResNet-18 over the C-channel BEV map -> 1000 -> Linear -> C*C -> ReLU, diagonal zeroed.

    ``norm='BN'`` is the original. Its BatchNorm statistics, gathered over batches of two BEV
    maps, can differ at test time from what training saw. The raw ``A @ X`` of a 3-layer
    GNNFusion then raises the scale error to the third power. ``norm='GN'`` (GroupNorm, the
    synth configs) computes the same graph in training and at test
    (docs/xnet_fusion.md)."""

    def __init__(self, in_channels: int, norm: str = 'BN', init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.in_channels = in_channels
        self.model = nn.Sequential(_resnet18(in_channels, norm),
                                   nn.Linear(1000, in_channels ** 2), nn.ReLU(inplace=True))

    def forward(self, feats: Tensor) -> Tensor:
        """feats (B, C, H, W) -> adjacency (B, C, C)."""
        b, c = feats.shape[:2]
        return _no_self_loops(self.model(feats).reshape(b, c, c))
