"""TimeBudgetHook: end training after a wall-clock budget (the embedded benchmark's rule)."""

from __future__ import annotations

import time

from mmdet3d.registry import HOOKS
from mmengine.hooks import Hook


@HOOKS.register_module()
class TimeBudgetHook(Hook):
    """Stop training once ``seconds`` have passed. An iteration-based loop stops at the next
    iteration (CheckpointHook's ``save_last`` then writes the checkpoint); an epoch-based one
    at the end of the epoch."""

    priority = 'VERY_LOW'

    def __init__(self, seconds: float):
        self.seconds = float(seconds)
        self.start: float | None = None

    def before_train(self, runner) -> None:
        self.start = time.monotonic()

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if time.monotonic() - self.start > self.seconds:
            runner.train_loop.stop_training = True
