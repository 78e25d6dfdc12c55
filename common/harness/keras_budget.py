"""The time budget as a Keras callback (Deep3DBox); needs Keras, so only deep3dbox imports it."""

from __future__ import annotations

import time

import keras

from common.harness.budget import TimeBudget


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
