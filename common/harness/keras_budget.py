"""The time budget as Keras callbacks (Deep3DBox): stop when it is spent, and a cosine learning
rate over it. Needs Keras, so only deep3dbox imports it."""

from __future__ import annotations

import time

import keras

from common.harness.budget import TimeBudget, cosine_factor


class TimeBudgetCallback(keras.callbacks.Callback):
    """Stop training after the batch that spends ``budget``, timed from ``started``
    (``time.time()`` when this run began). The epoch in progress still ends normally: its
    validation, logs and checkpoint callbacks run."""

    def __init__(self, budget: TimeBudget, started: float):
        super().__init__()
        self.budget, self.started = budget, started

    def on_train_batch_end(self, batch, logs=None):
        if self.budget.is_spent(time.time() - self.started):
            self.model.stop_training = True


class CosineLearningRate(keras.callbacks.Callback):
    """Before every batch, set the optimizer's learning rate to ``peak * cosine_factor(f)``,
    f the fraction of the schedule done: of the time ``budget`` (timed from ``started``, as
    :class:`TimeBudgetCallback`) when one is given, else of ``total_steps`` batches
    (``initial_step`` of them done by an earlier run). Timed by the budget, the decay ends when
    the budget does, however fast the machine runs."""

    def __init__(self, peak: float, *, budget: TimeBudget | None = None,
                 started: float | None = None, total_steps: int | None = None,
                 initial_step: int = 0):
        super().__init__()
        if (budget is None) == (total_steps is None) or (budget is None) != (started is None):
            raise ValueError("CosineLearningRate: expected a time budget with its start time, "
                             "or a step count")
        self.peak, self.budget, self.started = peak, budget, started
        self.total_steps, self.step = total_steps, initial_step

    def fraction(self) -> float:
        """The fraction of the schedule done before the next batch."""
        if self.budget is not None:
            return self.budget.fraction_spent(time.time() - self.started)
        return self.step / max(self.total_steps, 1)

    def on_train_batch_begin(self, batch, logs=None):
        self.model.optimizer.learning_rate.assign(self.peak * cosine_factor(self.fraction()))

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
