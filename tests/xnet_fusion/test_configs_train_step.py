"""Every X-Net config builds and runs one CPU training step with finite losses on a synthetic
KITTI frame (prepared with mmdet3d's converters), gradients reaching every trainable stage."""

import math

import pytest
import torch

import xnet_fusion  # noqa: F401
from common.openmmlab import load_config
from xnet_fusion import CONFIG_DIR

CONFIGS = sorted(str(p.relative_to(CONFIG_DIR).with_suffix(''))
                 for p in CONFIG_DIR.rglob('*.py') if '_base_' not in p.parts)


def test_every_ablation_row_has_a_kitti_and_a_synth_config():
    rows = {'base', 'exp00', 'exp01', 'exp01_1', 'exp01_2', 'geometric'}
    assert rows <= set(CONFIGS)
    assert {f'synth/{r}' for r in rows} <= set(CONFIGS)


def test_synth_learned_graphs_use_group_norm_and_kitti_ones_x_nets_batch_norm():
    graphs = {name: load_config(name, CONFIG_DIR).model.get('get_graph') for name in CONFIGS}
    learned = {n: g for n, g in graphs.items() if g and g['type'] == 'LearnedGraph'}
    assert {'exp01', 'geometric', 'synth/exp01', 'synth/geometric_residual'} <= set(learned)
    for name, graph in learned.items():
        assert graph.get('norm', 'BN') == ('GN' if name.startswith('synth/') else 'BN'), name


@pytest.mark.parametrize('name', CONFIGS)
def test_config_builds_and_trains_one_step(name, synth_model):
    cfg, model, data = synth_model(name)
    if getattr(model.fusion_neck, 'residual', False):
        # a residual neck's BN scale starts at zero, which lets the first gradient reach only
        # that scale (tests/xnet_fusion/test_fusion_stages.py); test the flow after it moved
        torch.nn.init.constant_(model.fusion_neck.conv.norm.weight, 0.5)
    model.train()
    losses = model(**data, mode='loss')
    values = [v for vs in losses.values() for v in (vs if isinstance(vs, list) else [vs])]
    assert values and all(math.isfinite(float(v)) for v in values), losses
    sum(values).backward()
    for stage in ('pts_backbone', 'pre_fusion', 'get_graph', 'fusion', 'fusion_neck'):
        module = getattr(model, stage, None)
        if module is None:
            continue
        grads = [p.grad for p in module.parameters() if p.requires_grad]
        if stage in model.frozen:
            assert not grads and all(p.grad is None for p in module.parameters())
        else:
            assert grads and any(g is not None and g.abs().sum() > 0 for g in grads), stage
    if model.with_img:  # an unread FPN level needs DDP's find_unused_parameters
        unread = cfg.model.pre_fusion.img_levels < cfg.model.img_neck.num_outs
        assert bool(cfg.get('find_unused_parameters')) == unread


def test_speed_benchmark_second_has_the_synth_point_branch(synth_kitti_root):
    """mmdet3d's SECOND in benchmarks/speed.py takes the synthetic-data sizes, head included."""
    from mmdet3d.registry import MODELS
    from mmengine.registry import init_default_scope

    from xnet_fusion.benchmarks.speed import mmdet3d_second
    init_default_scope('mmdet3d')
    ours = load_config('synth/base', CONFIG_DIR, data_root=synth_kitti_root).model
    second = mmdet3d_second(load_config('synth/base', CONFIG_DIR, data_root=synth_kitti_root))
    assert second.bbox_head.in_channels == sum(ours.pts_neck.out_channels) == 256
    model = MODELS.build(second)
    feats = torch.zeros(1, 256, 160, 128)
    cls_score, _, _ = model.bbox_head([feats])
    assert cls_score[0].shape == (1, 18, 160, 128)  # 3 classes x 2 rotations x 3 anchor sizes
