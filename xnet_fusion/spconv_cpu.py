"""spconv CPU guard: lets SECOND's SparseEncoder train without a GPU.

spconv 2.3.8's backward asks ``torch.cuda.current_stream()`` for a stream handle through
``spconv.pytorch.ops.get_current_stream``; on a machine without CUDA that call raises. The CPU
kernels ignore the stream, so returning 0 when CUDA is unavailable is all that is needed. On a GPU
machine nothing is changed. Imported once by ``xnet_fusion/__init__.py``.
"""

from __future__ import annotations

import torch


def install() -> bool:
    """Patch ``spconv.pytorch.ops.get_current_stream`` when CUDA is unavailable; True if patched."""
    if torch.cuda.is_available():
        return False
    try:
        from spconv.pytorch import ops
    except ImportError:  # spconv is only in the xnet_fusion environment
        return False
    if getattr(ops.get_current_stream, "_xnet_cpu_guard", False):
        return True

    def get_current_stream() -> int:
        return 0

    get_current_stream._xnet_cpu_guard = True
    ops.get_current_stream = get_current_stream
    return True


install()
