"""Mixed-precision training of the X-Net configs (``train --amp``, ``reproduce --amp``).

mmdet's ``tools/train.py --amp`` switches the config to mmengine's ``AmpOptimWrapper``
(float16 autocast with a dynamic loss scale), which refuses to run without a GPU. On a CPU with
native bfloat16 (AVX512-BF16 or AMX) :class:`BF16OptimWrapper` runs the forward pass under
bfloat16 autocast instead: bfloat16 has float32's exponent range, so no loss scaling. The
weights, the optimizer state and evaluation stay float32.
"""

from __future__ import annotations

from contextlib import contextmanager

import torch
from mmdet3d.registry import OPTIM_WRAPPERS
from mmengine.optim import OptimWrapper

from common.amp import NO_BF16_NOTICE, amp_dtype_for


@OPTIM_WRAPPERS.register_module()
class BF16OptimWrapper(OptimWrapper):
    """OptimWrapper whose forward context is bfloat16 autocast on the CPU."""

    @contextmanager
    def optim_context(self, model: torch.nn.Module):
        with super().optim_context(model), torch.autocast('cpu', dtype=torch.bfloat16):
            yield


def use_amp(cfg) -> str:
    """Switch ``cfg.optim_wrapper`` to mixed precision on this machine; returns the precision
    used: 'float16' (CUDA, AmpOptimWrapper), 'bfloat16' (CPU with it natively) or 'float32'
    (other CPUs, where oneDNN would emulate bfloat16 at several times float32's cost; a notice
    is printed)."""
    device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    dtype = amp_dtype_for(True, device)
    if dtype is None:
        print(NO_BF16_NOTICE)
        return 'float32'
    if device.type == 'cuda':
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.loss_scale = 'dynamic'
        return 'float16'
    cfg.optim_wrapper.type = 'BF16OptimWrapper'
    return 'bfloat16'
