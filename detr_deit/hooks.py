"""Hooks registered into MMDetection's HOOKS registry (imported through ``custom_imports``)."""

from __future__ import annotations

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
