"""X-Net detector and its fusion stages, registered in mmdet3d's MODELS."""

from .detector import XNet
from .fusion import (
                     ConcatFusion,
                     FusionNeck,
                     GeometricPreFusion,
                     GNNFusion,
                     GraphSumFusion,
                     LearnedGraph,
                     NaivePreFusion,
                     PearsonGraph,
)

__all__ = ['XNet', 'NaivePreFusion', 'GeometricPreFusion', 'PearsonGraph', 'LearnedGraph',
           'ConcatFusion', 'GraphSumFusion', 'GNNFusion', 'FusionNeck']
