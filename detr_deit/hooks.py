"""Hooks registered into MMDetection's HOOKS registry (imported through ``custom_imports``)."""

from __future__ import annotations

import time
from collections import Counter

from mmdet.registry import HOOKS
from mmengine.hooks import Hook

from detr_deit.checks import check_class_lists


@HOOKS.register_module()
class ClassListCheckHook(Hook):
    """Stop before the first iteration when num_classes and a split's classes disagree.

    Runs in ``before_run`` on the config, so it fires under any entry point (ours or
    MMDetection's tools/train.py) before data is loaded.
    """

    priority = "VERY_HIGH"

    def before_run(self, runner) -> None:
        if runner.cfg and "model" in runner.cfg:
            check_class_lists(runner.cfg)


@HOOKS.register_module()
class TimeBudgetHook(Hook):
    """Fit training into ``minutes`` of wall-clock time (detr_deit.reproduce).

    After the first epoch of a run it measures the epoch time and, when the config's schedule
    would not fit, shortens it to the epochs that do, scaling the lr milestones with it (so the
    x0.1 drop still comes at the same fraction of training). Training also stops at the first
    epoch boundary past the budget (the schedule ends there, so it is checkpointed). The time
    spent is kept in the message hub, so a resumed run continues the same budget.
    """

    priority = "VERY_HIGH"  # before CheckpointHook, which then sees the new last epoch

    def __init__(self, minutes: float, fit_schedule: bool = True) -> None:
        self.seconds = 60.0 * minutes
        self.fit_schedule = fit_schedule

    def before_train(self, runner) -> None:
        self.start = time.monotonic()
        self.spent_before = float(runner.message_hub.get_info("budget_seconds_spent", 0.0))
        self.first_epoch = runner.epoch

    def after_train_epoch(self, runner) -> None:
        run_seconds = time.monotonic() - self.start
        spent = self.spent_before + run_seconds
        runner.message_hub.update_info("budget_seconds_spent", spent)
        done = runner.epoch + 1
        if spent >= self.seconds:
            runner.logger.info(f"time budget of {self.seconds / 60:.1f} min reached: stopping "
                               f"after epoch {done}")
            # ending the schedule here lets CheckpointHook save it as the last epoch
            runner.train_loop._max_epochs = done
        elif self.fit_schedule and done == self.first_epoch + 1:
            fit = done + int((self.seconds - spent) / run_seconds)
            if fit < runner.max_epochs:
                shorten_schedule(runner, fit)


def shorten_schedule(runner, epochs: int) -> None:
    """Set the epoch-based train loop to ``epochs``, scaling schedulers' milestones and ends."""
    old = runner.max_epochs
    loop = runner.train_loop
    loop._max_epochs = epochs
    loop._max_iters = epochs * len(loop.dataloader)
    schedulers = runner.param_schedulers
    if isinstance(schedulers, dict):
        schedulers = [s for group in schedulers.values() for s in group]
    for s in schedulers:
        if hasattr(s, "milestones"):
            s.milestones = Counter({max(1, round(m * epochs / old)): n
                                    for m, n in s.milestones.items()})
        if s.end == old:
            s.end = epochs
    runner.logger.info(f"time budget: schedule shortened from {old} to {epochs} epochs")
