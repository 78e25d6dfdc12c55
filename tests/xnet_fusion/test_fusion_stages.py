"""Each fusion stage keeps the shapes it promises and passes gradients; hand-checked numbers."""

import pytest
import torch

import xnet_fusion  # noqa: F401
from xnet_fusion.models.fusion import (
    ConcatFusion,
    FusionNeck,
    GNNFusion,
    GraphSumFusion,
    LearnedGraph,
    NaivePreFusion,
    PearsonGraph,
)
from xnet_fusion.models.fusion.graph import pearson
from xnet_fusion.models.fusion.prefusion import fit_to_grid


def _grads_flow(*tensors):
    return all(t.grad is not None and torch.isfinite(t.grad).all() and t.grad.abs().sum() > 0
               for t in tensors)


@pytest.mark.parametrize('mode', ['pad', 'resize'])
def test_naive_prefusion_shapes_and_gradients(mode):
    torch.manual_seed(0)
    stage = NaivePreFusion(img_channels=8, pts_channels=6, img_out_channels=4,
                           pts_out_channels=5, img_levels=2, mode=mode)
    img = [torch.randn(2, 8, 7, 9, requires_grad=True), torch.randn(2, 8, 4, 5, requires_grad=True)]
    pts = torch.randn(2, 6, 10, 12, requires_grad=True)
    out = stage(img, pts, [{}, {}])
    assert out.shape == (2, 9, 10, 12)
    out.square().sum().backward()
    assert _grads_flow(*img, pts)


def test_fit_to_grid_centres_and_replicates():
    feat = torch.arange(6.).view(1, 1, 2, 3)  # [[0,1,2],[3,4,5]]
    out = fit_to_grid(feat, 4, 5)
    assert out.shape == (1, 1, 4, 5)
    assert torch.equal(out[0, 0, 1:3, 1:4], feat[0, 0])           # centred
    assert out[0, 0, 0, 0] == 0 and out[0, 0, 3, 4] == 5           # replicated corners
    assert torch.equal(fit_to_grid(torch.arange(25.).view(1, 1, 5, 5), 3, 3)[0, 0],
                       torch.arange(25.).view(5, 5)[1:4, 1:4])     # centre crop


def test_pearson_hand_checked():
    x = torch.tensor([[[1., 2., 3., 4.], [2., 4., 6., 8.], [4., 3., 2., 1.], [5., 5., 5., 5.]]])
    corr = pearson(x)[0]
    assert torch.allclose(corr[0, 1], torch.tensor(1.0))
    assert torch.allclose(corr[0, 2], torch.tensor(-1.0))
    assert torch.all(corr[3] == 0) and torch.all(corr[:, 3] == 0)  # constant channel
    adj = PearsonGraph()(x.view(1, 4, 2, 2))[0]
    expected = torch.tensor([[0., 1., 0., 0.], [1., 0., 0., 0.], [0., 0., 0., 0.],
                             [0., 0., 0., 0.]])
    assert torch.allclose(adj, expected, atol=1e-6)


def test_learned_graph_is_nonnegative_without_self_loops_and_trains():
    torch.manual_seed(0)
    graph = LearnedGraph(in_channels=6)
    x = torch.randn(2, 6, 16, 16, requires_grad=True)
    adj = graph(x)
    assert adj.shape == (2, 6, 6)
    assert torch.all(adj >= 0) and torch.all(torch.diagonal(adj, dim1=1, dim2=2) == 0)
    adj.sum().backward()
    assert _grads_flow(x)


def test_group_norm_graph_is_the_same_in_training_and_at_test():
    """norm='GN' has no running statistics: a frame gets one graph whether the network is in
    train or eval mode. With norm='BN' (X-Net's) the two differ, the more so after training
    steps on batches whose statistics differ from the test frame's."""
    torch.manual_seed(0)
    frame = torch.randn(1, 6, 64, 64)
    for norm in ('GN', 'BN'):
        graph = LearnedGraph(in_channels=6, norm=norm).train()
        with torch.no_grad():
            for _ in range(3):  # BN: running statistics of batches of two other maps
                graph(2.0 * torch.randn(2, 6, 64, 64) + 1.0)
            train_adj = graph(frame)
            test_adj = graph.eval()(frame)
        assert train_adj.abs().sum() > 0
        assert torch.equal(train_adj, test_adj) == (norm == 'GN'), norm
    assert isinstance(LearnedGraph(6, norm='GN').model[0].bn1, torch.nn.GroupNorm)
    with pytest.raises(ValueError, match="norm must be 'BN' or 'GN'"):
        LearnedGraph(6, norm='LN')


def test_concat_and_neck_shapes():
    x = torch.randn(2, 10, 5, 6, requires_grad=True)
    out = FusionNeck(13, 7)(torch.cat((x, ConcatFusion(10, 3)(x)), dim=1))
    assert out.shape == (2, 7, 5, 6)
    out.sum().backward()
    assert _grads_flow(x)


def test_residual_neck_starts_as_the_identity_and_learns_its_scale():
    """relu(BN(conv(x)) + identity) with the BN scale zero at first: the output is the
    (non-negative, post-ReLU) point map, and the first gradient reaches the BN scale only."""
    torch.manual_seed(0)
    neck = FusionNeck(13, 7, residual=True)
    neck.init_weights()
    neck.train()
    x = torch.randn(2, 13, 5, 6, requires_grad=True)
    identity = torch.randn(2, 7, 5, 6).relu()
    out = neck(x, identity)
    assert torch.equal(out, identity)
    (out * torch.randn_like(out)).sum().backward()
    assert neck.conv.norm.weight.grad.abs().sum() > 0
    assert neck.conv.conv.weight.grad.abs().sum() == 0 and x.grad.abs().sum() == 0
    with torch.no_grad():  # once the scale moved, the fused features reach the output
        neck.conv.norm.weight.fill_(0.5)
    out = neck(x, identity)
    assert not torch.equal(out, identity) and (out >= 0).all()
    x.grad = None
    out.sum().backward()
    assert _grads_flow(x)
    with pytest.raises(ValueError, match='needs the point features'):
        neck(x)


def test_residual_neck_with_the_wrong_width_is_a_one_line_error():
    from mmdet3d.registry import MODELS
    from mmengine.registry import init_default_scope

    from common.openmmlab import load_config
    from xnet_fusion import CONFIG_DIR
    init_default_scope('mmdet3d')
    model = load_config('synth/geometric_residual', CONFIG_DIR).model
    model.fusion_neck.out_channels = 128  # the point FPN gives 128 + 128
    model.pts_bbox_head.in_channels = 128
    with pytest.raises(ValueError) as e:
        MODELS.build(model)
    assert '\n' not in str(e.value) and '(128)' in str(e.value) and '(256)' in str(e.value)


def test_graph_sum_hand_checked():
    feats = torch.tensor([1., 2., 3.]).view(1, 3, 1, 1).repeat(1, 1, 2, 2)
    adj = torch.tensor([[[0., 1., 0.], [0., 0., 2.], [0., 0., 0.]]], requires_grad=True)
    out = GraphSumFusion(3)(feats, adj)
    # (A + I) x = [1 + 2, 2 + 2*3, 3] = [3, 8, 3]; mean degree = 3 / 3 = 1
    assert torch.allclose(out[0, :, 0, 0], torch.tensor([3., 8., 3.]))
    out.sum().backward()
    assert adj.grad is not None and adj.grad.abs().sum() > 0


def test_gcn_fusion_equals_weighted_adjacency_product():
    torch.manual_seed(0)
    fusion = GNNFusion(8, num_layers=1, conv='gcn').eval()
    x = torch.randn(2, 8, 3, 4)
    adj = torch.relu(torch.randn(2, 8, 8))
    out = fusion(x, adj)
    mixed = fusion.mix[0](x).reshape(2, 8, 12)
    theta = fusion.graph[0].lin.weight.item()
    assert torch.allclose(out.reshape(2, 8, 12), theta * adj @ mixed, atol=1e-5)


@pytest.mark.parametrize('conv,normalize', [('gcn', False), ('gcn', True), ('gcn2', False)])
def test_gnn_fusion_shapes_and_gradients(conv, normalize):
    torch.manual_seed(0)
    fusion = GNNFusion(6, num_layers=3, conv=conv, normalize=normalize)
    x = torch.randn(2, 6, 4, 5, requires_grad=True)
    raw = torch.randn(2, 6, 6, requires_grad=True)
    adj = torch.relu(raw) * (1 - torch.eye(6))
    out = fusion(x, adj)
    assert out.shape == (2, 18, 4, 5)
    out.square().sum().backward()
    assert _grads_flow(x, raw)
    assert all(p.grad is not None for p in fusion.graph.parameters())


def test_residual_neck_on_a_coarser_grid_equals_the_neck_on_the_upsampled_input():
    """A 1x1 conv + BatchNorm (batch statistics) commutes with nearest 2x upsampling: the neck
    run on the stride-8 grid and upsampled before the sum gives the stride-4 result."""
    torch.manual_seed(0)
    neck = FusionNeck(13, 7, residual=True)
    neck.init_weights()
    with torch.no_grad():
        neck.conv.norm.weight.fill_(0.7)
    neck.train()
    coarse = torch.randn(2, 13, 4, 3)
    identity = torch.randn(2, 7, 8, 6)
    fine = torch.nn.functional.interpolate(coarse, scale_factor=2, mode='nearest')
    torch.testing.assert_close(neck(coarse, identity), neck(fine, identity))


def test_fusion_stride_runs_stages_1_to_3_on_the_pooled_grid(synth_model):
    from mmdet3d.registry import MODELS
    cfg, model, data = synth_model('synth/geometric_residual_s8')
    metas = [s.metainfo for s in data['data_samples']]
    parts = model.extract_parts(data['inputs'], metas)
    assert parts['pts_feat'].shape[-2:] == (160, 128)  # the head's grid
    assert parts['feats'].shape[-2:] == parts['fused'].shape[-2:] == (80, 64)
    assert parts['out'].shape == parts['pts_feat'].shape
    # the neck's scale starts at zero: the head reads exactly the point branch's map
    assert torch.equal(parts['out'], parts['pts_feat'])
    no_image = dict(cfg.model, img_backbone=None, img_neck=None, pre_fusion=None,
                    get_graph=None, fusion=None, fusion_neck=None)
    with pytest.raises(ValueError, match='fusion_stride'):
        MODELS.build(no_image)
