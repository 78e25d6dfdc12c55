# X-Net ablation row exp01_2, small CPU version for the embedded synthetic KITTI.
_base_ = ['../_base_/embedded_fusion_env.py', '../_base_/fusion_exp01_2.py']
# GroupNorm in the graph network (the KITTI configs keep X-Net's BatchNorm): BatchNorm statistics
# over two BEV maps made the test-time graph up to 10x larger than in training, and the 3-layer
# GNN's raw A @ X cubed that (docs/xnet_fusion.md)
model = dict(img_backbone={{_base_.img_backbone}}, img_neck={{_base_.img_neck}},
             pre_fusion={{_base_.pre_fusion}},
             get_graph=dict(type='LearnedGraph', in_channels=64 + 64, norm='GN'),
             fusion={{_base_.fusion}}, fusion_neck={{_base_.fusion_neck}})
