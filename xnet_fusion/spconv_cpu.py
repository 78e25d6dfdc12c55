"""spconv CPU guard: lets SECOND's SparseEncoder train without a GPU, and compute right.

Two patches:

* where CUDA is unavailable: spconv 2.3.8's backward asks ``torch.cuda.current_stream()`` for a
  stream handle through ``spconv.pytorch.ops.get_current_stream``; without CUDA that call
  raises. The CPU kernels ignore the stream, so it returns 0.
* on every machine, for CPU tensors: spconv's CPU sparse convolutions race when torch runs
  more than one thread: two runs of the same layer on the same input differ, in the forward
  pass and in both gradients, by far more than rounding (a SubMConv3d on a dense block of
  voxels: outputs off by 0.5, weight gradients by 6; tests/xnet_fusion/test_spconv_cpu.py).
  Sparse-conv layers (index building and forward) and their backward therefore run with one
  thread when their inputs are on the CPU; the rest of the network keeps all threads.

Imported once by ``xnet_fusion/__init__.py``.
"""

from __future__ import annotations

import functools

import torch


def _on_cpu(args) -> bool:
    """Whether the first tensor (or sparse tensor's features) among ``args`` is on the CPU."""
    for a in args:
        t = getattr(a, 'features', a)
        if isinstance(t, torch.Tensor):
            return t.device.type == 'cpu'
    return True


def _one_thread(fn):
    """``fn`` run with torch's intra-op threads set to 1 (restored afterwards) when its inputs
    are on the CPU."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        threads = torch.get_num_threads()
        if threads == 1 or not _on_cpu(args):
            return fn(*args, **kwargs)
        torch.set_num_threads(1)
        try:
            return fn(*args, **kwargs)
        finally:
            torch.set_num_threads(threads)
    wrapper._xnet_cpu_guard = True
    return wrapper


def install() -> bool:
    """Patch spconv for CPU use; True if the stream guard (no CUDA) is installed."""
    try:
        from spconv.pytorch import conv, functional, ops
    except ImportError:  # spconv is only in the xnet_fusion environment
        return False
    if not getattr(conv.SparseConvolution.forward, "_xnet_cpu_guard", False):
        conv.SparseConvolution.forward = _one_thread(conv.SparseConvolution.forward)
        for fn in (functional.SparseConvFunction, functional.SparseInverseConvFunction,
                   functional.SparseImplicitGemmFunction, functional.SubMConvFunction):
            fn.backward = staticmethod(_one_thread(fn.backward))
    if torch.cuda.is_available():
        return False
    if not getattr(ops.get_current_stream, "_xnet_cpu_guard", False):
        def get_current_stream() -> int:
            return 0

        get_current_stream._xnet_cpu_guard = True
        ops.get_current_stream = get_current_stream
    return True


install()
