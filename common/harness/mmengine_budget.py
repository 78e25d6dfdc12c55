"""The time budget as an mmengine hook (DETR-DeiT, X-Net): ``TimeBudgetHook``.

Registered in mmengine's ``HOOKS``; mmdet's and mmdet3d's registries find it there (their
parent), so a config names it as ``dict(type='TimeBudgetHook', seconds=...)`` once its
``custom_imports`` list ``'common.harness.mmengine_budget'``.
"""

from __future__ import annotations

import time
from collections import Counter

from mmengine.hooks import Hook
from mmengine.registry import HOOKS
from mmengine.runner import IterBasedTrainLoop

from common.harness.budget import (
    TimeBudget,
    refittable,
    scaled_bound,
    scaled_milestones,
    seconds_per_unit,
    units_that_fit,
)
from common.openmmlab import rank0_value

# message hub runtime info (checkpoints keep it): seconds spent, schedule length in loop units
SPENT_KEY = "budget_seconds_spent"
LENGTH_KEY = "budget_schedule_length"


def param_schedulers(runner) -> list:
    """The runner's parameter schedulers as one list (also when given per optimizer, a dict)."""
    schedulers = runner.param_schedulers or []
    if isinstance(schedulers, dict):
        return [s for group in schedulers.values() for s in group]
    return list(schedulers)


def is_iteration_based(loop) -> bool:
    """Whether the train loop counts its schedule in iterations (else in epochs)."""
    return isinstance(loop, IterBasedTrainLoop)


def schedule_length(loop) -> int:
    """The loop's length: iterations for an iteration-based loop, else epochs."""
    return loop._max_iters if is_iteration_based(loop) else loop._max_epochs


def set_schedule_length(loop, length: int) -> None:
    """End the loop after ``length`` iterations (iteration-based) or epochs."""
    if is_iteration_based(loop):
        loop._max_iters = length
    else:
        loop._max_epochs = length
        loop._max_iters = length * len(loop.dataloader)


class PlannedSchedule:
    """The schedule as training started: the loop's length and each parameter scheduler's
    begin, end, T_max and milestones. Every fit scales these, not the previous fit's values."""

    def __init__(self, runner) -> None:
        self.length = schedule_length(runner.train_loop)
        self.schedulers = [(s, s.begin, s.end, getattr(s, "T_max", None),
                            dict(getattr(s, "milestones", {})))
                           for s in param_schedulers(runner)]

    def fit(self, runner, length: int, done: int) -> float:
        """Make the schedule ``length`` units long: the loop, and every scheduler's begin, end
        and T_max (at least 1) scaled by ``length / self.length`` and rounded down, its
        milestones to the nearest unit after ``done``. Returns that ratio."""
        ratio = length / self.length
        set_schedule_length(runner.train_loop, length)
        for s, begin, end, t_max, milestones in self.schedulers:
            s.begin, s.end = scaled_bound(begin, ratio), scaled_bound(end, ratio)
            if t_max is not None:
                s.T_max = max(1, scaled_bound(t_max, ratio))
            if milestones:
                moved = scaled_milestones(milestones, ratio, first=done + 1)
                s.milestones = Counter(dict(zip(moved, milestones.values(), strict=True)))
        return ratio


@HOOKS.register_module()
class TimeBudgetHook(Hook):
    """Fit training into ``seconds`` of wall-clock time and stop there.

    Epoch-based loops: after each epoch before the first lr milestone, the mean of the last
    ``window`` epochs predicts how many epochs fit in the time left (at least one more); the
    schedule is set to that length, never longer than the config's, with every scheduler scaled
    to it (:class:`PlannedSchedule`), so the lr drop comes at the same fraction of training.
    From the drop on the length is fixed. The first epoch that ends past the budget becomes the
    last one.

    Iteration-based loops: once per run, the mean time of ``probe_iters`` iterations after
    ``warmup_iters`` (the first ones pay for lazy initialisation) predicts how many iterations
    fit in ``margin`` of the time left (iterations vary with their data); the schedule shrinks
    to that. The iteration that passes the budget becomes the last one.

    A last epoch or iteration is one that CheckpointHook (which runs after this hook) saves with
    ``save_last``. Seconds spent and the schedule length live in the message hub, which
    checkpoints keep, so a resumed run continues the same budget and schedule. Under several
    processes every rank reads rank 0's clock, so all fit the same schedule and stop together.
    """

    # after ParamSchedulerHook (LOW, registered first) has stepped for the same iteration or
    # epoch, and before CheckpointHook (VERY_LOW), which then sees the new last one
    priority = "LOW"

    def __init__(self, seconds: float, fit_schedule: bool = True, window: int = 3,
                 warmup_iters: int = 5, probe_iters: int = 20, margin: float = 0.93) -> None:
        self.seconds = float(seconds)
        self.fit_schedule = fit_schedule
        self.window = window
        self.warmup_iters = warmup_iters
        self.probe_iters = probe_iters
        self.margin = float(margin)

    def before_train(self, runner) -> None:
        hub, loop = runner.message_hub, runner.train_loop
        self.ends = [rank0_value(time.monotonic())]
        self.budget = TimeBudget(self.seconds, float(hub.get_info(SPENT_KEY, 0.0)))
        self.by_iteration = is_iteration_based(loop)
        self.planned = schedule_length(loop)  # the config's length
        fitted = hub.get_info(LENGTH_KEY)
        if fitted is not None:  # resumed: the loop starts from the config's length
            set_schedule_length(loop, int(fitted))
        self.schedule = PlannedSchedule(runner)
        self.probing = self.fit_schedule and self.by_iteration

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if not self.by_iteration:
            return
        now = rank0_value(time.monotonic())
        elapsed = now - self.ends[0]
        done = runner.iter + 1
        if self.probing:
            self.ends.append(now)  # after the start, one end per iteration of this run
            if len(self.ends) - 1 == self.warmup_iters + self.probe_iters:
                self.probing = False
                per_iter = seconds_per_unit(self.ends, self.probe_iters)
                self._fit(runner, units_that_fit(done, self.planned, self.budget.left(elapsed),
                                                 per_iter, margin=self.margin),
                          done, per_iter, "iteration")
        if self.budget.is_spent(elapsed):
            self._stop(runner, done, "iteration")
            runner.train_loop.stop_training = True
        self._record(runner, elapsed)

    def after_train_epoch(self, runner) -> None:
        if self.by_iteration:
            return
        self.ends.append(rank0_value(time.monotonic()))
        elapsed = self.ends[-1] - self.ends[0]
        done = runner.epoch + 1
        milestones = [m for s in param_schedulers(runner) for m in getattr(s, "milestones", {})]
        if self.budget.is_spent(elapsed):
            self._stop(runner, done, "epoch")
        elif self.fit_schedule and refittable(done, milestones):
            per_epoch = seconds_per_unit(self.ends, self.window)
            self._fit(runner, units_that_fit(done, self.planned, self.budget.left(elapsed),
                                             per_epoch, at_least_one_more=True),
                      done, per_epoch, "epoch")
        self._record(runner, elapsed)

    def _fit(self, runner, length: int, done: int, per_unit: float, unit: str) -> None:
        old = schedule_length(runner.train_loop)
        if length != old:
            ratio = self.schedule.fit(runner, length, done)
            runner.logger.info(f"time budget: {per_unit:.2f} s/{unit}, schedule set "
                               f"from {old} to {length} {unit}s (x{ratio:.3f}) to fit "
                               f"{self.seconds:.0f} s")

    def _stop(self, runner, done: int, unit: str) -> None:
        runner.logger.info(f"time budget of {self.seconds:.0f} s spent: stopping after {unit} "
                           f"{done}")
        set_schedule_length(runner.train_loop, done)

    def _record(self, runner, elapsed: float) -> None:
        runner.message_hub.update_info(SPENT_KEY, self.budget.spent(elapsed))
        runner.message_hub.update_info(LENGTH_KEY, schedule_length(runner.train_loop))
