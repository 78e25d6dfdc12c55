"""detr_deit.reproduce: the CPU config it trains, pointed at the data, with the budget hook."""

from __future__ import annotations

import pytest

from detr_deit.reproduce import reproduce_cfg


def test_reproduce_cfg_points_every_split_at_the_data_and_adds_the_budget(tmp_path):
    (tmp_path / "data").mkdir()
    cfg = reproduce_cfg(tmp_path / "data", tmp_path / "work", 20.0)
    for split in ("train", "val", "test"):
        assert cfg[f"{split}_dataloader"].dataset.data_root == f"{tmp_path / 'data'}/"
    assert cfg.test_evaluator.ann_file == f"{tmp_path / 'data'}/annotations/val.json"
    assert cfg.work_dir == str(tmp_path / "work" / "train")
    assert {"type": "TimeBudgetHook", "seconds": 1200.0} in cfg.custom_hooks
    # the CPU budget choices the config's header documents
    assert cfg.train_dataloader.batch_size == 4 and cfg.auto_scale_lr.base_batch_size == 4
    assert cfg.model.backbone.img_size == (144, 192)
    assert cfg.train_pipeline[2] == {"type": "Resize", "scale": (192, 144), "keep_ratio": True}
    assert cfg.optim_wrapper.optimizer.lr == pytest.approx(2e-4)
    # DETR's matcher and loss weights are kept
    costs = [c.weight for c in cfg.model.train_cfg.assigner.match_costs]
    assert costs == [1.0, 5.0, 2.0]
    assert cfg.model.bbox_head.loss_bbox.loss_weight == 5.0


def test_reproduce_cfg_options_override_the_config(tmp_path):
    cfg = reproduce_cfg(tmp_path, tmp_path / "work", 1.0,
                        {"optim_wrapper.optimizer.lr": 4e-4, "train_dataloader.batch_size": 8})
    assert cfg.optim_wrapper.optimizer.lr == pytest.approx(4e-4)
    assert cfg.train_dataloader.batch_size == 8


def test_reproduce_without_data_is_one_line(tmp_path, capsys):
    from detr_deit.reproduce import main

    with pytest.raises(SystemExit, match="no splits/train.txt"):
        main(["--data-root", str(tmp_path), "--work-dir", str(tmp_path / "w"), "--minutes", "0.1"])


def test_the_config_builds_the_shared_budget_hook(tmp_path):
    """TimeBudgetHook sits in mmengine's HOOKS; under the config's scope (mmdet) the Runner's
    HOOKS.build finds it there, once the config's custom_imports ran."""
    from mmengine.registry import HOOKS, DefaultScope
    from mmengine.utils import import_modules_from_strings

    from common.harness.mmengine_budget import TimeBudgetHook

    (tmp_path / "data").mkdir()
    cfg = reproduce_cfg(tmp_path / "data", tmp_path / "work", 20.0)
    import_modules_from_strings(**cfg.custom_imports)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        hooks = [HOOKS.build(hook) for hook in cfg.custom_hooks]
    budget = [hook for hook in hooks if isinstance(hook, TimeBudgetHook)]
    assert len(budget) == 1 and budget[0].seconds == 1200.0
