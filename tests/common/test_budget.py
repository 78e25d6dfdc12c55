"""common.harness.budget: the time-budget arithmetic every model's training uses."""

import subprocess
import sys

from common.harness.budget import (
    TimeBudget,
    cosine_factor,
    refittable,
    scaled_bound,
    scaled_milestones,
    seconds_per_unit,
    units_that_fit,
)


def test_time_budget_counts_earlier_runs():
    budget = TimeBudget(600.0, spent_before=100.0)
    assert budget.spent(50.0) == 150.0 and budget.left(50.0) == 450.0
    assert not budget.is_spent(499.5) and budget.is_spent(500.0)  # 100 + 500 = 600: spent
    assert budget.left(520.0) == -20.0
    assert TimeBudget(0.0).is_spent(0.0)


def test_fraction_spent_counts_earlier_runs_and_is_clipped():
    budget = TimeBudget(600.0, spent_before=150.0)
    assert budget.fraction_spent(0.0) == 0.25 and budget.fraction_spent(150.0) == 0.5
    assert budget.fraction_spent(900.0) == 1.0  # overrun: clipped
    assert TimeBudget(0.0).fraction_spent(0.0) == 1.0  # nothing to spend: all spent


def test_cosine_factor_on_hand_checked_points():
    assert cosine_factor(0.0) == 1.0 and cosine_factor(1.0) == 0.0
    assert abs(cosine_factor(0.5) - 0.5) < 1e-12
    assert abs(cosine_factor(0.25) - (1 + 2 ** -0.5) / 2) < 1e-12  # 0.8536
    assert abs(cosine_factor(0.75) - (1 - 2 ** -0.5) / 2) < 1e-12  # 0.1464
    assert cosine_factor(-0.1) == 1.0 and cosine_factor(1.5) == 0.0  # clipped


def test_seconds_per_unit_is_the_mean_of_the_last_units():
    ends = [0.0, 10.0, 30.0, 40.0, 70.0]  # units of 10, 20, 10 and 30 s
    assert seconds_per_unit(ends, 1) == 30.0
    assert seconds_per_unit(ends, 3) == 20.0  # (70 - 10) / 3
    assert seconds_per_unit(ends, 10) == 17.5  # all 4 units: 70 / 4


def test_units_that_fit_rounds_caps_and_keeps_what_is_done():
    # 97 s left at 10 s per unit: 9.7 more units
    assert units_that_fit(3, 80, 97.0, 10.0) == 12  # rounded down
    assert units_that_fit(3, 80, 97.0, 10.0, nearest=True) == 13
    assert units_that_fit(3, 10, 97.0, 10.0) == 10  # never past the configured length
    assert units_that_fit(3, 80, 5.0, 10.0) == 3  # less than a unit left: end here
    assert units_that_fit(3, 80, 5.0, 10.0, at_least_one_more=True) == 4
    assert units_that_fit(3, 80, -25.0, 10.0) == 3  # overrun: never shorter than done
    assert units_that_fit(15, 1000, 40.0, 1.0, margin=0.9) == 51  # 36 of the 40 s
    assert units_that_fit(1, 70, 10.0, 0.0) == 70  # a unit timed at 0 s: the 1e-6 floor


def test_scaled_milestones_and_bounds_keep_their_fractions():
    # 70 epochs with drops at 45 and 60, shrunk to 10: 6.43 -> 6, 8.57 -> 9
    assert scaled_milestones([45, 60], 10 / 70, first=1) == [6, 9]
    assert scaled_milestones([45, 60], 10 / 70, first=8) == [8, 9]  # not before unit 8
    assert scaled_milestones([100], 1 / 150, first=1) == [1]  # 0.67 -> 1
    # cosine warm-up over 40 % of 100 iterations, decay over the rest, shrunk to 25
    assert [scaled_bound(v, 0.25) for v in (0, 40, 40, 100, 60)] == [0, 10, 10, 25, 15]
    assert scaled_bound(7, 0.5) == 3  # rounded down


def test_refittable_only_before_the_first_milestone():
    assert refittable(3, [4, 9]) and not refittable(4, [4, 9]) and not refittable(5, [9, 4])
    assert refittable(10 ** 6, [])  # no lr drop: the length stays open


def test_centernet_decisions_match_the_old_formula():
    """CenterNet's rule, after the first epoch of a fresh run (70 epochs, drops at 45 and 60):
    total = max(1, min(70, 1 + round(left / epoch_seconds))), drops max(1, round(s * total / 70)).

    10 min budget, first epoch 37.3 s, 41.0 s since the start: left = 559 s, 559 / 37.3 = 14.99
    -> 15 -> 16 epochs (rounded down it would be 15); drops 45 * 16/70 = 10.29 -> 10 and
    60 * 16/70 = 13.71 -> 14. A first epoch of 70 s in a 1 min budget: left = -10 s,
    round(-0.14) = 0 -> 1 epoch; drops 0.64 -> 1 and 0.86 -> 1.
    """
    def fit(minutes, epoch_seconds, spent):
        total = units_that_fit(1, 70, minutes * 60 - spent, epoch_seconds, nearest=True)
        return total, scaled_milestones([45, 60], total / 70, first=1)

    assert fit(10, 37.3, 41.0) == (16, [10, 14])
    assert fit(1, 70.0, 70.0) == (1, [1, 1])


def test_detr_decisions_match_the_old_formula():
    """DETR-DeiT's rule after each epoch before the lr drop (80 epochs, drop at 60, 1200 s):
    per = mean of the last 3 epochs, fit = min(80, done + max(1, int(left / per))), the drop at
    max(done + 1, round(60 / 80 * fit)); the first epoch that ends past the budget is the last.

    Epochs end at 70, 135, 180, 245, then every 60 s up to 845 (done 14), then every 100 s:
    done 1: per 70,           left 1130, 16.1 -> 16 -> 17 epochs, drop 12.75 -> 13
    done 2: per 135/2 = 67.5, left 1065, 15.8 -> 15 -> 17 (unchanged)
    done 3: per 180/3 = 60,   left 1020, 17   -> 20 epochs, drop 15
    done 4: per 175/3 = 58.3, left 955,  16.4 -> 16 -> 20
    done 5: per 170/3 = 56.7, left 895,  15.8 -> 15 -> 20
    done 6: per 185/3 = 61.7, left 835,  13.5 -> 13 -> 19 epochs, drop 14.25 -> 14
    done 7..13: per 60, left 775 .. 415 -> 12 .. 6 more -> 19 (unchanged)
    done 14 on: at the drop, the length stays 19; epoch 18 ends at 1245 s, past the budget:
    training stops there, at 18 epochs.
    """
    budget = TimeBudget(1200.0)
    ends = ([0.0, 70.0, 135.0, 180.0, 245.0] + [245.0 + 60.0 * k for k in range(1, 11)]
            + [845.0 + 100.0 * k for k in range(1, 6)])
    length, drop, lengths = 80, [60], []
    for done in range(1, len(ends)):
        elapsed = ends[done]
        if budget.is_spent(elapsed):
            length = done
        elif refittable(done, drop):
            fit = units_that_fit(done, 80, budget.left(elapsed),
                                 seconds_per_unit(ends[:done + 1], 3), at_least_one_more=True)
            if fit != length:
                drop = scaled_milestones([60], fit / 80, first=done + 1)
                length = fit
        lengths.append(length)
        if done == length:
            break
    assert lengths == [17, 17, 20, 20, 20] + [19] * 12 + [18]
    assert drop == [14] and done == 18


def test_xnet_decisions_match_the_old_formula():
    """X-Net's rule, once, after 5 warm-up and 20 timed iterations (margin 0.93):
    affordable = done + int(0.93 * (seconds - elapsed) / per_iter); when fewer than planned,
    every begin / end / T_max becomes int(value * affordable / planned).

    4,800 planned iterations (40 epochs of 120), 1,790 s; warm-up iterations of 2 s (ends 2 ..
    10), then 0.5 s (ends 10.5 .. 20): per_iter = (20 - 10) / 20 = 0.5, left 0.93 * 1770 =
    1646.1 -> 3292.2 -> 3292 more -> 3317 iterations, scale 0.691. The synthetic schedule's
    cosines (warm-up T_max 1920 = begin..end 0..1920, decay 2880 = 1920..4800) become
    1920 * 0.691 = 1326.8 -> 1326, 2880 * 0.691 = 1990.2 -> 1990, 4800 -> 3317.
    """
    ends = [0.0] + [2.0 * k for k in range(1, 6)] + [10.0 + 0.5 * k for k in range(1, 21)]
    per_iter = seconds_per_unit(ends, 20)
    budget = TimeBudget(1790.0)
    affordable = units_that_fit(25, 4800, budget.left(ends[-1]), per_iter, margin=0.93)
    assert per_iter == 0.5 and affordable == 3317
    ratio = affordable / 4800
    assert [scaled_bound(v, ratio) for v in (0, 1920, 1920, 1920, 4800, 2880)] == \
        [0, 1326, 1326, 1326, 3317, 1990]


def test_the_planner_imports_no_framework():
    code = ("import sys, common.harness.budget; "
            "print(sorted(m for m in ('torch', 'keras', 'tensorflow', 'mmengine') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
