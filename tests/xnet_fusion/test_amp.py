"""--amp: bfloat16 autocast on a CPU that has it natively, float16 on CUDA, float32 (and a
notice) elsewhere."""

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
