"""--amp: bfloat16 autocast on a CPU that has it natively, float32 (and a notice) elsewhere;
the stage-timing benchmark times every stage of a fusion row."""

import pytest
import torch
from mmengine.config import Config

import common.amp
import xnet_fusion  # noqa: F401
from xnet_fusion.amp import use_amp


def _cfg():
    return Config(dict(optim_wrapper=dict(type='OptimWrapper',
                                          optimizer=dict(type='SGD', lr=0.1))))


def test_amp_on_a_cpu_without_bfloat16_keeps_float32_and_says_so(monkeypatch, capsys):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    monkeypatch.setattr(common.amp, 'cpu_has_native_bf16', lambda: False)
    cfg = _cfg()
    assert use_amp(cfg) == 'float32'
    assert cfg.optim_wrapper.type == 'OptimWrapper'
    assert 'no native bfloat16' in capsys.readouterr().out


def test_amp_on_a_bfloat16_cpu_runs_the_forward_in_bfloat16_and_keeps_float32_weights(
        monkeypatch):
    from mmdet3d.registry import OPTIM_WRAPPERS
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import init_default_scope
    init_default_scope('mmdet3d')  # as the X-Net configs' default_scope
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    monkeypatch.setattr(common.amp, 'cpu_has_native_bf16', lambda: True)
    cfg = _cfg()
    assert use_amp(cfg) == 'bfloat16'
    assert OPTIM_WRAPPERS.get(cfg.optim_wrapper.type) is not None
    torch.manual_seed(0)
    model = torch.nn.Linear(8, 2)
    before = model.weight.detach().clone()
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    x = torch.randn(4, 8)
    with wrapper.optim_context(model):
        y = model(x)
    assert y.dtype == torch.bfloat16
    wrapper.update_params(y.float().pow(2).mean())
    assert model.weight.dtype == torch.float32 and not torch.equal(model.weight, before)
    assert model(x).dtype == torch.float32  # outside the context: float32 again


def test_amp_on_cuda_is_mmengines_float16_wrapper(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    cfg = _cfg()
    assert use_amp(cfg) == 'float16'
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert cfg.optim_wrapper.loss_scale == 'dynamic'


@pytest.mark.parametrize('row', ['base', 'geometric_residual_s8'])
def test_stage_benchmark_backpropagates_through_each_stage(row, synth_kitti_root):
    """Each stage closure of benchmarks/stages.py runs forward + backward of that stage's own
    parameters; a point-only row has no fusion stages."""
    from mmdet3d.registry import DATASETS, MODELS
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import init_default_scope

    from xnet_fusion.benchmarks.stages import STAGES, _backward, markdown, stage_closures
    from xnet_fusion.runconfig import load_config
    init_default_scope('mmdet3d')
    torch.manual_seed(0)
    cfg = load_config(f'embedded/{row}', synth_kitti_root)
    model = MODELS.build(cfg.model)
    model.init_weights()
    if model.with_img:  # let the first gradient reach the fusion block (see test_fusion_stages)
        torch.nn.init.constant_(model.fusion_neck.conv.norm.weight, 0.5)
    model.train()
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    data = model.data_preprocessor(pseudo_collate([dataset[0], dataset[1]]), True)
    fns = stage_closures(model, data['inputs'], data['data_samples'])
    owners = {'image ResNet + FPN': 'img_backbone', 'sparse encoder': 'pts_middle_encoder',
              'SECOND backbone + FPN': 'pts_backbone', 'pre-fusion': 'pre_fusion',
              'graph': 'get_graph', 'fusion': 'fusion', 'fusion neck': 'fusion_neck',
              'head (forward + loss)': 'pts_bbox_head'}
    expected = set(STAGES) if model.with_img else {
        'sparse encoder', 'SECOND backbone + FPN', 'head (forward + loss)', 'whole model'}
    assert set(fns) == expected
    for stage, fn in fns.items():
        model.zero_grad(set_to_none=True)
        _backward(fn())
        if stage == 'whole model':
            continue
        module = getattr(model, owners[stage])
        assert any(p.grad is not None and p.grad.abs().sum() > 0
                   for p in module.parameters()), stage
        others = [m for s, m in owners.items() if s != stage and getattr(model, m) is not None]
        assert all(p.grad is None for m in others for p in getattr(model, m).parameters()), stage
    table = markdown({row: {s: 0.5 for s in fns}})
    assert table.count('\n') == len(STAGES) + 1 and '| whole model | 0.50 |' in table
