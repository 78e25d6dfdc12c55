# geometric_residual with its fusion block on the stride-8 BEV grid (80 x 64 cells of 0.8 m)
# instead of the head's stride-4 grid (not in X-Net): XNet(fusion_stride=2) average-pools the
# point map 2x2 for pre-fusion, graph and GNN, and upsamples the fusion neck's output back before
# the residual sum. 4x fewer cells for the stages that cost half of a geometric_residual
# iteration (docs/xnet_fusion.md); starts from the synthetic-data base checkpoint like its parent.
_base_ = ['./geometric_residual.py']
model = dict(fusion_stride=2)
