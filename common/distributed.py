"""Ending a multi-process CPU (gloo) run without an abort at interpreter exit.

A gloo collective returns to Python once its result is ready, but the gloo worker thread that
ran it drops its own reference to the collective's tensors a moment later. When Python has
already let go of a tensor, that last drop runs the tensor's Python deallocation on the worker
thread, which takes the GIL first. If the interpreter has begun to finalize by then, Python
ends the thread inside a C++ destructor and the process aborts with "terminate called without an
active exception" (measured here: gdb on the core of an aborted rank shows
``ProcessGroupGloo::runLoop`` -> ``~AsyncBroadcastWork`` -> ``gil_scoped_acquire`` ->
``PyThread_exit_thread`` while the main thread is in ``Py_FinalizeEx``; PyTorch issue 190489).
``destroy_process_group`` does not stop those threads once a DistributedDataParallel model
holds the group, so the window stays open until the process ends.

``close_process_group`` closes it while the interpreter is still whole: a barrier (every rank
has finished every collective), then, on gloo, a short pause with the GIL released (the worker
threads finish their clean-up), then ``destroy_process_group``. On gloo the barrier is
``monitored_barrier`` with a timeout, so a rank left alone at exit (the others still training
after an error of its own) reports the missing ranks instead of waiting for the group's
30-minute timeout.
"""

from __future__ import annotations

import time
from datetime import timedelta

import torch.distributed as dist

PAUSE_S = 0.2  # seconds with the GIL released for the worker threads to finish their clean-up
BARRIER_TIMEOUT_S = 120.0  # how long a rank waits at exit for the others (gloo)


def close_process_group(pause_s: float = PAUSE_S,
                        timeout_s: float = BARRIER_TIMEOUT_S) -> None:
    """Barrier, pause with the GIL released (gloo), destroy the default process group; nothing
    if none is initialised. Every rank calls it at the same point."""
    if not (dist.is_available() and dist.is_initialized()):
        return
    if dist.get_backend() == "gloo":
        dist.monitored_barrier(timeout=timedelta(seconds=timeout_s))
        time.sleep(pause_s)
    else:
        dist.barrier()
    dist.destroy_process_group()
