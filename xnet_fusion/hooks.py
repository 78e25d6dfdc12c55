"""TimeBudgetHook: fit an iteration-based schedule into a wall-clock budget and stop there
(the synthetic-data benchmark's rule: a fixed number of CPU minutes per model)."""

from __future__ import annotations

import time

from mmdet3d.registry import HOOKS
from mmengine.hooks import Hook

from common.openmmlab import rank0_value


def _schedulers(runner) -> list:
    s = runner.param_schedulers or []
    if isinstance(s, dict):
        return [x for v in s.values() for x in v]
    return list(s)


@HOOKS.register_module()
class TimeBudgetHook(Hook):
    """Stop training once ``seconds`` have passed.

    With ``fit_schedule`` (iteration-based loops), the mean time of ``probe_iters`` iterations
    after ``warmup_iters`` (the first ones pay for lazy initialisation and run up to twice
    as slow, which would leave part of the budget unused) predicts how many iterations fit in
    ``margin`` of the time left (iterations vary with the points and sampled objects of a
    frame: planning for all of it overran by 4-7 % and cut the learning-rate decay short);
    when fewer than planned, the loop's ``max_iters`` and every parameter scheduler's begin /
    end / T_max are scaled by the same factor, so warm-up and decay still happen within the
    budget. An epoch-based loop stops at the end of the epoch in progress. An iteration-based
    loop ends at the iteration that passes the budget, which becomes its last one (so
    CheckpointHook's ``save_last`` writes it: this hook runs before it). Under several
    processes every rank reads rank 0's clock, so all fit the same schedule and stop at the same
    iteration.
    """

    priority = 'LOW'

    def __init__(self, seconds: float, fit_schedule: bool = True, probe_iters: int = 20,
                 warmup_iters: int = 5, margin: float = 0.93):
        self.seconds = float(seconds)
        self.margin = float(margin)
        self.fit_schedule = fit_schedule
        self.probe_iters = probe_iters
        self.warmup_iters = warmup_iters
        self.probe_start: float | None = None
        self.start: float | None = None
        self.scale: float | None = None

    def before_train(self, runner) -> None:
        self.start = rank0_value(time.monotonic())
        self.first_iter = runner.iter

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        now = rank0_value(time.monotonic())
        elapsed = now - self.start
        done = runner.iter + 1 - self.first_iter
        if done == self.warmup_iters:
            self.probe_start = now
        if self.fit_schedule and self.scale is None \
                and done == self.warmup_iters + self.probe_iters:
            per_iter = (now - (self.probe_start or self.start)) / self.probe_iters
            left = self.margin * (self.seconds - elapsed)
            self.fit(runner, runner.iter + 1 + int(left / per_iter))
        if elapsed > self.seconds:
            loop = runner.train_loop
            if hasattr(loop, '_max_iters'):
                loop._max_iters = runner.iter + 1
            loop.stop_training = True

    def fit(self, runner, affordable: int) -> None:
        """Shrink the schedule to ``affordable`` iterations when that is fewer than planned."""
        loop = runner.train_loop
        if not hasattr(loop, '_max_iters') or affordable >= loop._max_iters:
            self.scale = 1.0
            return
        self.scale = affordable / loop._max_iters
        loop._max_iters = affordable
        for s in _schedulers(runner):
            s.begin = int(s.begin * self.scale)
            s.end = int(s.end * self.scale)
            if hasattr(s, 'T_max'):
                s.T_max = max(1, int(s.T_max * self.scale))
        runner.logger.info(f'TimeBudgetHook: schedule scaled by {self.scale:.3f} to '
                           f'{affordable} iterations to fit {self.seconds:.0f} s')
