# synth_env.py for the fusion rows: the same one-cycle shape from a half as high learning rate
# (peak 5e-3 instead of 1e-2); the randomly initialised image branch and the fusion stages
# trained unstably at the point branch's peak.
_base_ = ['./synth_env.py']
optim_wrapper = dict(optimizer=dict(lr=5e-4))

# The learned channel graph of the synthetic rows (exp01, exp01_2, geometric and the rows built on
# them) uses GroupNorm in its network; the KITTI configs keep X-Net's BatchNorm. BatchNorm
# statistics over two BEV maps made the test-time graph up to 10x larger than in training, and
# the 3-layer GNN's raw A @ X cubed that (docs/xnet_fusion.md).
learned_graph = dict(type='LearnedGraph', in_channels=64 + 64, norm='GN')
