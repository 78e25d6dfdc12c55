"""Fusion stage 3: mix the concatenated channels, with or without the channel graph.

After this stage the detector concatenates the stage input with its output (X-Net
``XNet.extract_feat``: ``cat((feats, fuse_out), dim=1)``) and the fusion neck reduces it.

* :class:`ConcatFusion` - X-Net ``FusionNN``: a 1x1 conv over the concatenation (the baseline).
* :class:`GraphSumFusion` - X-Net ``FusionSummation``: each channel plus the graph-weighted sum of
  the others, divided by the mean edge weight per node.
* :class:`GNNFusion` - X-Net ``FusionGNN``: layers of (1x1 conv, graph propagation over channel
  nodes); the propagation is a torch-geometric ``GCNConv`` or ``GCN2Conv`` and the outputs of all
  layers are concatenated.
"""

from __future__ import annotations

import torch
from mmcv.cnn import ConvModule
from mmdet3d.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor, nn
from torch_geometric.nn import GCN2Conv, GCNConv
from torch_geometric.nn.conv.gcn_conv import gcn_norm


def _conv1x1(in_channels: int, out_channels: int) -> ConvModule:
    return ConvModule(in_channels, out_channels, kernel_size=1, padding=0, bias=True,
                      conv_cfg=dict(type='Conv2d'), norm_cfg=dict(type='BN2d'),
                      act_cfg=dict(type='ReLU'), inplace=True)


@MODELS.register_module()
class ConcatFusion(BaseModule):
    """(B, C, H, W) -> (B, out_channels, H, W) by 1x1 conv + BN + ReLU; ignores any graph."""

    def __init__(self, in_channels: int, out_channels: int, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.out_channels = out_channels
        self.fuse_conv = _conv1x1(in_channels, out_channels)

    def forward(self, feats: Tensor, adj: Tensor | None = None) -> Tensor:
        return self.fuse_conv(feats)


@MODELS.register_module()
class GraphSumFusion(BaseModule):
    """out_b = (A_b + I) X_b / (sum(A_b) / C) with X_b the (C, H*W) maps; no parameters.

    The mean-degree divisor is clamped at ``eps`` (the original divides by zero on an empty
    graph)."""

    def __init__(self, in_channels: int, eps: float = 1e-6, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.out_channels = in_channels
        self.eps = eps

    def forward(self, feats: Tensor, adj: Tensor) -> Tensor:
        b, c, h, w = feats.shape
        eye = torch.eye(c, device=feats.device, dtype=feats.dtype)
        summed = (adj + eye) @ feats.reshape(b, c, h * w)
        mean_degree = (adj.sum(dim=(1, 2)) / c).clamp_min(self.eps).view(b, 1, 1)
        return (summed / mean_degree).reshape(b, c, h, w)


class ChannelGCNConv(GCNConv):
    """``GCNConv`` on a small channel graph shared by many signals (the BEV cells).

    Called in PyG's static-graph mode (x: (cells, C, F)) with the adjacency as a torch sparse
    (C, C) matrix, so PyG takes its fused ``message_and_aggregate`` path; that path is a dense
    batched ``A @ X`` here instead of ``torch.sparse.mm`` (which takes 2-D features only).
    """

    def message_and_aggregate(self, adj_t: Tensor, x: Tensor) -> Tensor:
        """adj_t (C, C) sparse, x (cells, C, F) -> (cells, C, F) = A @ X for every cell."""
        cells, c, f = x.shape
        out = adj_t.to_dense() @ x.transpose(0, 1).reshape(c, cells * f)  # one GEMM
        return out.reshape(c, cells, f).transpose(0, 1)


def channel_graph_edges(adj: Tensor) -> tuple[Tensor, Tensor]:
    """Edges of one frame's channel graph: adj (C, C), adj[i, j] weighs the message j -> i
    (``out = A @ X`` as in the original). Returns edge_index (2, E) (row 0 source, row 1 target)
    and the differentiable edge weights (E,); zero weights are no edge."""
    tgt, src = torch.nonzero(adj.detach(), as_tuple=True)
    return torch.stack((src, tgt)), adj[tgt, src]


def block_diagonal(edge_index: Tensor, weight: Tensor, num_nodes: int, copies: int
                   ) -> tuple[Tensor, Tensor]:
    """``copies`` disjoint copies of a graph (node n of copy k -> k * num_nodes + n)."""
    offsets = (torch.arange(copies, device=edge_index.device) * num_nodes).view(1, -1, 1)
    edges = (edge_index.unsqueeze(1) + offsets).reshape(2, -1)
    return edges, weight.unsqueeze(0).expand(copies, -1).reshape(-1)


@MODELS.register_module()
class GNNFusion(BaseModule):
    """``num_layers`` x (1x1 conv + BN + ReLU over channels, then one graph convolution over the
    channel nodes of every pixel); returns the layer outputs concatenated,
    (B, num_layers * C, H, W).

    conv='gcn': ``GCNConv(1, 1)``; conv='gcn2': ``GCN2Conv(1, alpha, theta, layer)`` with the
    stage input as the initial residual x_0 (GCNII). ``normalize=False`` (default, as the
    original's raw ``A @ X``) uses the graph weights as they are; True applies GCN's symmetric
    normalisation with self-loops. GCNConv runs on the channel graph with the BEV cells as a
    batch of signals (PyG's static-graph mode, dense aggregation: cheap); GCN2Conv only takes
    2-D features, so it runs on one disjoint copy of the graph per cell with one message per
    edge per cell (memory and time grow with edges x cells: ~10x slower).
    """

    def __init__(self, in_channels: int, num_layers: int = 3, conv: str = 'gcn',
                 normalize: bool = False, alpha: float = 0.1, theta: float = 0.5,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if conv not in ('gcn', 'gcn2'):
            raise ValueError(f"conv must be 'gcn' or 'gcn2', got {conv!r}")
        self.conv = conv
        self.normalize = normalize
        self.out_channels = num_layers * in_channels
        self.mix = nn.ModuleList(_conv1x1(in_channels, in_channels) for _ in range(num_layers))
        if conv == 'gcn':
            # normalised once per forward below (gcn_norm on the edge list keeps the graph
            # differentiable; on a sparse tensor it would not be)
            self.graph = nn.ModuleList(ChannelGCNConv(1, 1, normalize=False, bias=False)
                                       for _ in range(num_layers))
        else:
            self.graph = nn.ModuleList(
                GCN2Conv(1, alpha=alpha, theta=theta, layer=i + 1, normalize=normalize)
                for i in range(num_layers))

    def forward(self, feats: Tensor, adj: Tensor) -> Tensor:
        """feats (B, C, H, W), adj (B, C, C) -> (B, num_layers * C, H, W)."""
        b, c, h, w = feats.shape
        if self.conv == 'gcn':  # (C, C) sparse adjacency: out = A @ X
            graphs = []
            for a in adj:
                edge_index, weight = channel_graph_edges(a)
                if self.normalize:
                    edge_index, weight = gcn_norm(edge_index, weight, c, add_self_loops=True)
                graphs.append((torch.sparse_coo_tensor(edge_index.flip(0), weight, (c, c)), None))
        else:  # GCN2Conv takes 2-D node features: one copy of the graph per BEV cell
            graphs = [block_diagonal(*channel_graph_edges(a), c, h * w) for a in adj]
        x0 = feats.permute(0, 2, 3, 1).reshape(b, h * w, c, 1)  # per frame: (pixels, nodes, 1)
        outs = []
        for mix, graph in zip(self.mix, self.graph, strict=True):
            x = mix(feats).permute(0, 2, 3, 1).reshape(b, h * w, c, 1)
            frames = []
            for i, (edge_index, weight) in enumerate(graphs):
                if self.conv == 'gcn':  # static graph: the pixels are a batch of node signals
                    frames.append(graph(x[i], edge_index, weight))
                else:
                    frames.append(graph(x[i].reshape(-1, 1), x0[i].reshape(-1, 1), edge_index,
                                        weight).reshape(h * w, c, 1))
            feats = torch.stack(frames).reshape(b, h, w, c).permute(0, 3, 1, 2)
            outs.append(feats)
        return torch.cat(outs, dim=1)
