"""The time budget of deep3dbox.train: the Keras callbacks (stop, cosine learning rate) and
--until-budget."""

import time

import keras
import numpy as np
import pytest

from common.harness.budget import TimeBudget
from common.harness.keras_budget import CosineLearningRate, TimeBudgetCallback
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


def _learning_rates(callback, batches: int, before_batch=None) -> list[float]:
    """The learning rate each of ``batches`` SGD steps used under ``callback`` (one epoch)."""
    rates = []

    class Record(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            if before_batch is not None:
                before_batch(batch)

        def on_train_batch_end(self, batch, logs=None):
            rates.append(float(self.model.optimizer.learning_rate.numpy()))

    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.5), "mse")
    x = np.ones((batches, 1), "float32")
    model.fit(x, x, batch_size=1, epochs=1, verbose=0, callbacks=[Record(), callback])
    return rates


def test_cosine_over_steps_matches_keras_cosine_decay():
    """Step-based, resumed after 2 of 10 steps: the rates of steps 2..9 are those of Keras' own
    CosineDecay schedule (alpha 0) at the same steps."""
    rates = _learning_rates(CosineLearningRate(0.1, total_steps=10, initial_step=2), 8)
    reference = keras.optimizers.schedules.CosineDecay(0.1, decay_steps=10)
    np.testing.assert_allclose(rates, [float(reference(s)) for s in range(2, 10)], rtol=1e-6)


def test_cosine_over_the_time_budget_follows_the_clock():
    """A 1000 s budget of which 250 s were spent by an earlier run; the clock moves 250 s before
    each batch: fractions 0.5, 0.75, 1.0, 1.0 of the budget, so 0.5, 0.146, 0 and 0 of the peak
    (to within the real seconds the test takes)."""
    cosine = CosineLearningRate(1.0, budget=TimeBudget(1000.0, spent_before=250.0),
                                started=time.time())

    def tick(batch):
        cosine.started -= 250.0

    rates = _learning_rates(cosine, 4, before_batch=tick)
    np.testing.assert_allclose(rates, [0.5, (1 - 2 ** -0.5) / 2, 0.0, 0.0], atol=2e-3)
    with pytest.raises(ValueError):
        CosineLearningRate(1.0, budget=TimeBudget(1.0), started=0.0, total_steps=3)
    with pytest.raises(ValueError):  # a budget needs the time it started from
        CosineLearningRate(1.0, budget=TimeBudget(1.0))


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
