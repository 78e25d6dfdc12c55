"""Mixed precision on the machine at hand, shared by the PyTorch models (torch is imported by
the caller's environment; common/ itself does not depend on it)."""

from __future__ import annotations

import torch


def cpu_has_native_bf16() -> bool:
    """Whether oneDNN runs bfloat16 convolutions natively here (AVX512-BF16 or AMX)."""
    return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())


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
