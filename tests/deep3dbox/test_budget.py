"""The time budget of deep3dbox.train: the Keras callback and --until-budget."""

import time

import keras
import numpy as np
import pytest

from common.harness.budget import TimeBudget
from common.harness.keras_budget import TimeBudgetCallback
from deep3dbox.train import UNTIL_BUDGET_EPOCHS, parse_args


def test_callback_stops_after_the_batch_that_spends_the_budget():
    """6.5 s spent by an earlier run, 10 s in all; each batch counts as one second more (the
    clock callback moves the budget's start back): 7.5, 8.5, 9.5, then 10.5 s after the fourth
    batch, which is the last. The epoch still ends normally (one epoch in the history)."""
    budget_callback = TimeBudgetCallback(TimeBudget(10.0, spent_before=6.5),
                                         started=time.time())
    batches = []

    class OneSecondPerBatch(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            batches.append(batch)
            budget_callback.started -= 1.0

    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x = np.arange(10, dtype="float32").reshape(10, 1)
    history = model.fit(x, x, batch_size=1, epochs=3, verbose=0,
                        callbacks=[OneSecondPerBatch(), budget_callback])
    assert batches == [0, 1, 2, 3]
    assert len(history.history["loss"]) == 1


def test_until_budget_trains_with_no_epoch_count_and_no_early_stopping():
    args = parse_args(["--data-root", "k", "--work-dir", "w", "--max-minutes", "15",
                       "--until-budget"])
    assert args.epochs == UNTIL_BUDGET_EPOCHS and args.patience is None
    assert parse_args(["--data-root", "k", "--work-dir", "w"]).patience == 5
    with pytest.raises(SystemExit):
        parse_args(["--data-root", "k", "--work-dir", "w", "--until-budget"])


def test_a_batch_size_below_one_is_refused(capsys):
    with pytest.raises(SystemExit):
        parse_args(["--data-root", "k", "--work-dir", "w", "--batch-size", "0"])
    assert capsys.readouterr().err.strip().endswith("error: --batch-size must be >= 1, got 0")
