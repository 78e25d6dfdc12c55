"""benchmarks/stages.py: each timed closure runs forward + backward of its own stage only; bad
arguments are one-line errors."""

import pytest
import torch

import xnet_fusion  # noqa: F401
from xnet_fusion.benchmarks import stages


@pytest.mark.parametrize('row', ['base', 'geometric_residual_s8'])
def test_stage_benchmark_backpropagates_through_each_stage(row, synth_kitti_root):
    """Each stage closure of benchmarks/stages.py runs forward + backward of that stage's own
    parameters; a point-only row has no fusion stages."""
    from mmdet3d.registry import DATASETS, MODELS
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import init_default_scope

    from common.openmmlab import load_config
    from xnet_fusion import CONFIG_DIR
    init_default_scope('mmdet3d')
    torch.manual_seed(0)
    cfg = load_config(f'synth/{row}', CONFIG_DIR, data_root=synth_kitti_root)
    model = MODELS.build(cfg.model)
    model.init_weights()
    if model.with_img:  # let the first gradient reach the fusion block (see test_fusion_stages)
        torch.nn.init.constant_(model.fusion_neck.conv.norm.weight, 0.5)
    model.train()
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    data = model.data_preprocessor(pseudo_collate([dataset[0], dataset[1]]), True)
    fns = stages.stage_closures(model, data['inputs'], data['data_samples'])
    owners = {'image ResNet + FPN': 'img_backbone', 'sparse encoder': 'pts_middle_encoder',
              'SECOND backbone + FPN': 'pts_backbone', 'pre-fusion': 'pre_fusion',
              'graph': 'get_graph', 'fusion': 'fusion', 'fusion neck': 'fusion_neck',
              'head (forward + loss)': 'pts_bbox_head'}
    expected = set(stages.STAGES) if model.with_img else {
        'sparse encoder', 'SECOND backbone + FPN', 'head (forward + loss)', 'whole model'}
    assert set(fns) == expected
    for stage, fn in fns.items():
        model.zero_grad(set_to_none=True)
        stages._backward(fn())
        if stage == 'whole model':
            continue
        module = getattr(model, owners[stage])
        assert any(p.grad is not None and p.grad.abs().sum() > 0
                   for p in module.parameters()), stage
        others = [m for s, m in owners.items() if s != stage and getattr(model, m) is not None]
        assert all(p.grad is None for m in others for p in getattr(model, m).parameters()), stage
    table = stages.markdown({row: {s: 0.5 for s in fns}})
    assert table.count('\n') == len(stages.STAGES) + 1 and '| whole model | 0.50 |' in table


def test_zero_repeats_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as e:
        stages.main(['--data-root', 'x', '--repeats', '0'])
    assert e.value.code == 2
    assert '--repeats must be at least 1' in capsys.readouterr().err
