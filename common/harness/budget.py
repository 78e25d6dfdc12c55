"""The time-budget planner: how much of a training budget is spent, and how long a schedule fits.

Pure arithmetic on seconds and schedule lengths (no framework import), shared by the adapters
that time real training: CenterNet's loop (epochs), :mod:`common.harness.keras_budget`
(Deep3DBox) and :mod:`common.harness.mmengine_budget` (epochs for DETR-DeiT, iterations for
X-Net). A schedule is counted in *units*, epochs or iterations.

- :class:`TimeBudget`: seconds spent over resumed runs, seconds left, whether it is spent,
  the fraction spent.
- :func:`cosine_factor`: the cosine learning-rate decay at a fraction of a schedule.
- :func:`seconds_per_unit`: a unit's mean duration over the last ``window`` units.
- :func:`units_that_fit`: the schedule length that fits the time left.
- :func:`scaled_milestones`, :func:`scaled_bound`: a schedule's lr drops and scheduler bounds
  moved proportionally when its length changes.
- :func:`refittable`: whether the length may still change (before the first lr drop).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class TimeBudget:
    """``seconds`` of training in all; ``spent_before`` of them used by earlier runs of the same
    training (a resumed run carries them over)."""

    seconds: float
    spent_before: float = 0.0

    def spent(self, elapsed: float) -> float:
        """Seconds spent after ``elapsed`` seconds of this run: ``spent_before + elapsed``."""
        return self.spent_before + elapsed

    def left(self, elapsed: float) -> float:
        """Seconds left after ``elapsed`` seconds of this run (negative once overrun)."""
        return self.seconds - self.spent(elapsed)

    def is_spent(self, elapsed: float) -> bool:
        """Whether the budget is used up after ``elapsed`` seconds of this run:
        ``spent_before + elapsed >= seconds``."""
        return self.spent(elapsed) >= self.seconds

    def fraction_spent(self, elapsed: float) -> float:
        """``spent(elapsed) / seconds``, clipped to [0, 1] (1 for a budget of 0 seconds)."""
        if self.seconds <= 0:
            return 1.0
        return min(1.0, max(0.0, self.spent(elapsed) / self.seconds))


# the learning-rate schedules a time-budgeted Keras run offers (deep3dbox.train --lr-schedule)
LR_SCHEDULES = ("constant", "cosine")


def cosine_factor(fraction: float) -> float:
    """The learning rate's share of its peak ``fraction`` of the way through a cosine schedule
    without restarts or floor (SGDR, Loshchilov & Hutter 2017, eq. 5 with eta_min 0):
    ``(1 + cos(pi * f)) / 2``, f clipped to [0, 1]: 1 at the start, 0.5 halfway, 0 at the end."""
    return 0.5 * (1.0 + math.cos(math.pi * min(1.0, max(0.0, fraction))))


def seconds_per_unit(ends: Sequence[float], window: int) -> float:
    """Mean duration of the last ``window`` units (of all when fewer have ended).

    ``ends``: the time the first timed unit started, then each unit's end time (at least two
    values). The mean is ``(ends[-1] - ends[-1 - n]) / n``, n = min(window, len(ends) - 1).
    """
    recent = ends[-window - 1:]
    return (recent[-1] - recent[0]) / (len(recent) - 1)


def units_that_fit(done: int, planned: int, seconds_left: float, seconds_per_unit: float, *,
                   margin: float = 1.0, nearest: bool = False,
                   at_least_one_more: bool = False) -> int:
    """The schedule length that fits: ``done`` units plus those of ``margin * seconds_left`` at
    ``seconds_per_unit`` each, never more than ``planned`` (the configured length).

    more = floor(margin * seconds_left / max(seconds_per_unit, 1e-6)), or Python's ``round``
    of it with ``nearest``; then ``min(planned, done + max(m, more))`` with m = 1 when
    ``at_least_one_more`` (the run goes on until the budget check stops it), else 0 (never
    shorter than what is done).
    """
    units = margin * seconds_left / max(seconds_per_unit, 1e-6)
    more = round(units) if nearest else math.floor(units)
    return min(planned, done + max(int(at_least_one_more), more))


def scaled_milestones(milestones: Iterable[int], ratio: float, first: int) -> list[int]:
    """Each milestone ``m`` (an lr drop, in units) at ``max(first, round(m * ratio))``: at the
    same fraction of a schedule ``ratio`` times as long, and not before unit ``first``."""
    return [max(first, round(m * ratio)) for m in milestones]


def scaled_bound(value: int, ratio: float) -> int:
    """A scheduler's begin, end or period in a schedule ``ratio`` times as long:
    ``int(value * ratio)`` (rounded down)."""
    return int(value * ratio)


def refittable(done: int, milestones: Iterable[int]) -> bool:
    """Whether a schedule with ``done`` units done may still change length: only before its
    first milestone (from the lr drop on, the length is fixed)."""
    return done < min(milestones, default=math.inf)
