"""The four registered, swappable stages of X-Net's fusion block."""

from .fuse import ConcatFusion, GNNFusion, GraphSumFusion
from .graph import LearnedGraph, PearsonGraph
from .neck import FusionNeck
from .prefusion import GeometricPreFusion, NaivePreFusion

__all__ = ['NaivePreFusion', 'GeometricPreFusion', 'PearsonGraph', 'LearnedGraph',
           'ConcatFusion', 'GraphSumFusion', 'GNNFusion', 'FusionNeck']
