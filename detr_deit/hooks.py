"""Hooks registered into MMDetection's HOOKS registry (imported through ``custom_imports``)."""

from __future__ import annotations

import time
from collections import Counter

from mmdet.registry import HOOKS
from mmengine.hooks import Hook

from common.openmmlab import rank0_value
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

    After each epoch before the lr drop, it estimates from the last epochs' duration how many
    epochs fit in the remaining budget and sets the schedule to that length (never longer than
    the config's), with the lr milestones at the same fraction of it, so the x0.1 drop still
    comes at the same point of training. From the drop on the length is fixed; training stops
    anyway at the first epoch boundary past the budget (the schedule ends there, so it is
    checkpointed). Time spent and schedule length live in the message hub, which checkpoints
    keep, so a resumed run continues the same budget. Under several processes every rank reads
    rank 0's clock, so all decide the same schedule and stop after the same epoch.
    """

    priority = "VERY_HIGH"  # before CheckpointHook, which then sees the new last epoch

    def __init__(self, minutes: float, fit_schedule: bool = True, window: int = 3) -> None:
        self.seconds = 60.0 * minutes
        self.fit_schedule = fit_schedule
        self.window = window

    def before_train(self, runner) -> None:
        hub = runner.message_hub
        self.ends = [rank0_value(time.monotonic())]
        self.spent_before = float(hub.get_info("budget_seconds_spent", 0.0))
        self.max_epochs = runner.max_epochs  # the config's schedule
        epochs = int(hub.get_info("budget_epochs", self.max_epochs))
        self.fractions = {id(s): [(m / epochs, n) for m, n in s.milestones.items()]
                          for s in _schedulers(runner) if hasattr(s, "milestones")}
        if epochs != runner.max_epochs:  # resumed: the loop starts from the config's length
            set_schedule(runner, epochs, self.fractions, runner.epoch)

    def after_train_epoch(self, runner) -> None:
        self.ends.append(rank0_value(time.monotonic()))
        spent = self.spent_before + self.ends[-1] - self.ends[0]
        done = runner.epoch + 1
        if spent >= self.seconds:
            runner.logger.info(f"time budget of {self.seconds / 60:.1f} min reached: stopping "
                               f"after epoch {done}")
            # ending the schedule here lets CheckpointHook save it as the last epoch
            set_schedule(runner, done, {}, done)
        elif self.fit_schedule and done < _first_milestone(runner):
            recent = self.ends[-self.window - 1:]
            per_epoch = (recent[-1] - recent[0]) / (len(recent) - 1)
            fit = min(self.max_epochs, done + max(1, int((self.seconds - spent) / per_epoch)))
            if fit != runner.max_epochs:
                runner.logger.info(f"time budget: {per_epoch:.1f} s/epoch, schedule set from "
                                   f"{runner.max_epochs} to {fit} epochs")
                set_schedule(runner, fit, self.fractions, done)
        runner.message_hub.update_info("budget_seconds_spent", spent)
        runner.message_hub.update_info("budget_epochs", runner.max_epochs)


def _schedulers(runner) -> list:
    schedulers = runner.param_schedulers or []
    if isinstance(schedulers, dict):
        return [s for group in schedulers.values() for s in group]
    return list(schedulers)


def _first_milestone(runner) -> float:
    marks = [m for s in _schedulers(runner) for m in getattr(s, "milestones", {})]
    return min(marks, default=float("inf"))


def set_schedule(runner, epochs: int, fractions: dict, done: int) -> None:
    """Make the epoch-based schedule ``epochs`` long; each scheduler in ``fractions`` (id ->
    [(milestone / length, count)]) gets its milestones at those fractions, after ``done``."""
    old = runner.max_epochs
    loop = runner.train_loop
    loop._max_epochs = epochs
    loop._max_iters = epochs * len(loop.dataloader)
    for s in _schedulers(runner):
        if id(s) in fractions:
            s.milestones = Counter({max(done + 1, round(f * epochs)): n
                                    for f, n in fractions[id(s)]})
        if s.end == old:
            s.end = epochs
