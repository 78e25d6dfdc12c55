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
from .heading_cue import HeadingCueAnchor3DHead

__all__ = ['XNet', 'HeadingCueAnchor3DHead', 'NaivePreFusion', 'GeometricPreFusion',
           'PearsonGraph', 'LearnedGraph', 'ConcatFusion', 'GraphSumFusion', 'GNNFusion',
           'FusionNeck']
