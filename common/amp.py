"""Mixed precision on the machine at hand, shared by the PyTorch models (torch is imported by
the caller's environment; common/ itself does not depend on it)."""

from __future__ import annotations

import torch

# the project's one rule for "this CPU computes bfloat16 natively" (AVX512-BF16 or AMX flags),
# shared with Deep3DBox's Keras --amp
from common.cpu_features import has_native_bf16 as cpu_has_native_bf16


def amp_dtype_for(amp: bool, device: torch.device) -> torch.dtype | None:
    """The autocast dtype of ``--amp`` on ``device``, or None for float32: float16 on CUDA,
    bfloat16 on a CPU that has it natively. Elsewhere oneDNN emulates bfloat16, an order of
    magnitude slower than float32 (docs/history.md, CenterNet), so float32 it is."""
    if not amp:
        return None
    if device.type == "cuda":
        return torch.float16
    return torch.bfloat16 if cpu_has_native_bf16() else None


NO_BF16_NOTICE = "--amp: this CPU has no native bfloat16 (AVX512-BF16 or AMX); training in float32"
