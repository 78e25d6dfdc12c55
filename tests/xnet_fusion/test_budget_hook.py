"""TimeBudgetHook on an iteration-based loop (xnet_fusion.reproduce's): warm-up and probe
iterations fit the schedule, the budget stops it, a resumed run continues both."""

from pathlib import Path
from types import SimpleNamespace

import torch
from mmengine.logging import MessageHub
from mmengine.optim import CosineAnnealingLR
from mmengine.runner import IterBasedTrainLoop

import common.harness.mmengine_budget as budget_hook
import xnet_fusion
from common.harness.budget import TimeBudget
from common.harness.mmengine_budget import LENGTH_KEY, SPENT_KEY, TimeBudgetHook


class FakeIterLoop(IterBasedTrainLoop):
    """What the hook touches of an IterBasedTrainLoop, with no runner or data behind it."""

    def __init__(self, max_iters: int) -> None:  # not the base's, which needs a real runner
        self._max_iters, self.stop_training = max_iters, False


def fake_runner(max_iters: int, schedulers=(), hub: MessageHub | None = None):
    loop = FakeIterLoop(max_iters)
    return SimpleNamespace(param_schedulers=list(schedulers), train_loop=loop, iter=0,
                           logger=SimpleNamespace(info=lambda msg: None),
                           message_hub=hub or MessageHub(f'budget{id(loop)}'))


def cosine_warm_up_and_decay():
    """Warm-up cosine over the first 40 of 100 iterations, then decay over the other 60."""
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    return [CosineAnnealingLR(opt, T_max=40, begin=0, end=40, by_epoch=False, eta_min=10.0),
            CosineAnnealingLR(opt, T_max=60, begin=40, end=100, by_epoch=False)]


def run_iterations(hook, runner, now, seconds_per_iter):
    for seconds in seconds_per_iter:
        now[0] += seconds
        hook.after_train_iter(runner, runner.iter)
        runner.iter += 1


def test_time_budget_hook_scales_the_schedule(monkeypatch):
    """100 s, iterations of 3.9 s: after 5 + 20 of them (97.5 s) 0.93 * 2.5 / 3.9 = 0.6 more
    fit, so the schedule ends at 25 iterations, a quarter of it: every begin / end / T_max x
    0.25. The next iteration past the budget is the last one."""
    now = [0.0]
    monkeypatch.setattr(budget_hook.time, 'monotonic', lambda: now[0])
    scheds = cosine_warm_up_and_decay()
    runner = fake_runner(100, scheds)
    loop = runner.train_loop
    hook = TimeBudgetHook(seconds=100)
    hook.before_train(runner)
    run_iterations(hook, runner, now, [3.9] * 25)
    assert loop._max_iters == 25 and not loop.stop_training
    assert (scheds[0].end, scheds[0].T_max, scheds[1].begin, scheds[1].end, scheds[1].T_max) \
        == (10, 10, 10, 25, 15)
    hook.budget = TimeBudget(0.0)
    runner.iter = 7
    hook.after_train_iter(runner, 0)
    assert loop.stop_training and loop._max_iters == 8  # this iteration is the last


def test_time_budget_hook_keeps_a_schedule_that_fits():
    """3600 s at ~0 s per iteration: far more than the 100 planned fit; nothing grows."""
    scheds = cosine_warm_up_and_decay()
    runner = fake_runner(100, scheds)
    hook = TimeBudgetHook(seconds=3600)
    hook.before_train(runner)
    for _ in range(25):
        hook.after_train_iter(runner, runner.iter)
        runner.iter += 1
    assert runner.train_loop._max_iters == 100 and not hook.probing
    assert (scheds[0].end, scheds[0].T_max, scheds[1].begin, scheds[1].end, scheds[1].T_max) \
        == (40, 40, 40, 100, 60)


def test_time_budget_hook_times_the_schedule_after_warm_up(monkeypatch):
    """5 slow warm-up iterations (10 s), then 1 s each: after 15 iterations (60 s of a 100 s
    budget) 40 more fit, 36 of them in the 90 % margin, so 51 in all (timing from the start
    would say 60 / 15 = 4 s: 24)."""
    now = [0.0]
    monkeypatch.setattr(budget_hook.time, 'monotonic', lambda: now[0])
    runner = fake_runner(1000)
    hook = TimeBudgetHook(seconds=100, probe_iters=10, margin=0.9)
    hook.before_train(runner)
    run_iterations(hook, runner, now, [10.0] * 5 + [1.0] * 10)
    assert runner.train_loop._max_iters == 51 and not runner.train_loop.stop_training


def test_a_resumed_run_continues_the_budget_and_the_fitted_schedule(monkeypatch):
    """The message hub (kept by checkpoints) holds the seconds spent and the fitted length: a
    resumed run starts from 51 iterations, not the config's 1000, with 70 s of 100 spent."""
    now = [0.0]
    monkeypatch.setattr(budget_hook.time, 'monotonic', lambda: now[0])
    runner = fake_runner(1000)
    hook = TimeBudgetHook(seconds=100, probe_iters=10, margin=0.9)
    hook.before_train(runner)
    run_iterations(hook, runner, now, [10.0] * 5 + [1.0] * 20)  # 70 s, 25 iterations
    hub = runner.message_hub
    assert hub.get_info(SPENT_KEY) == 70.0 and hub.get_info(LENGTH_KEY) == 51
    resumed = fake_runner(1000, hub=hub)
    resumed.iter = 25
    hook = TimeBudgetHook(seconds=100, probe_iters=10, margin=0.9)
    hook.before_train(resumed)
    assert resumed.train_loop._max_iters == 51 and hook.budget.spent_before == 70.0
    run_iterations(hook, resumed, now, [31.0])  # 101 s in all: the budget ends here
    assert resumed.train_loop.stop_training and resumed.train_loop._max_iters == 26


def test_the_config_builds_the_shared_budget_hook():
    """TimeBudgetHook sits in mmengine's HOOKS; under X-Net's scope (mmdet3d) the Runner's
    HOOKS.build finds it there, once the config's custom_imports ran."""
    from mmengine.config import Config
    from mmengine.registry import HOOKS, DefaultScope

    cfg = Config.fromfile(Path(xnet_fusion.__file__).parent / 'configs' / 'synth' / 'base.py')
    assert 'common.harness.mmengine_budget' in cfg.custom_imports.imports
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        hook = HOOKS.build(dict(type='TimeBudgetHook', seconds=1800))
    assert cfg.default_scope == 'mmdet3d' and isinstance(hook, TimeBudgetHook)
