# X-Net ablation row geometric, small CPU version for the synthetic KITTI.
_base_ = ['../_base_/synth_fusion_env.py', '../_base_/fusion_geometric.py']
model = dict(img_backbone={{_base_.img_backbone}}, img_neck={{_base_.img_neck}},
             pre_fusion={{_base_.pre_fusion}}, get_graph={{_base_.learned_graph}},
             fusion={{_base_.fusion}}, fusion_neck={{_base_.fusion_neck}})
