"""Train a detr_deit config: ``python -m detr_deit.train CONFIG [--resume] [--auto-scale-lr]``.

The MMDetection 3.x training entry point (mmdet's tools/train.py) plus: the class-list check
before anything is built, a clear one-line error for a missing pretrained file, and resume that
works under torch >= 2.6 (see detr_deit/checkpoint_loading.py). Multi-GPU:
``python -m detr_deit.tools.dist_train NGPUS CONFIG ...`` (torchrun, free port).
"""

from __future__ import annotations

import argparse
import sys

from mmengine.config import DictAction


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config", help="config file, e.g. detr_deit/configs/...py")
    p.add_argument("--work-dir", help="where logs and checkpoints go "
                   "(default work_dirs/<config name>)")
    p.add_argument("--resume", nargs="?", const="auto", metavar="CHECKPOINT",
                   help="resume from CHECKPOINT, or without a value from the latest checkpoint "
                        "in the work dir")
    p.add_argument("--auto-scale-lr", action="store_true",
                   help="scale the lr linearly with the total batch size "
                        "(against auto_scale_lr.base_batch_size)")
    p.add_argument("--cfg-options", nargs="+", action=DictAction, metavar="KEY=VALUE",
                   help="override config entries, e.g. train_cfg.max_epochs=12")
    p.add_argument("--launcher", choices=["none", "pytorch", "slurm", "mpi"], default="none",
                   help="set by dist_train (torchrun)")
    p.add_argument("--local-rank", "--local_rank", type=int, default=0, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def build_cfg(args: argparse.Namespace):
    """The config with the command line applied, checked; raises with one sentence."""
    from detr_deit.checks import check_class_lists, check_local_checkpoints
    from detr_deit.config import load_config

    cfg = load_config(args.config, args.cfg_options, args.work_dir)
    cfg.launcher = args.launcher
    if args.resume == "auto":
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    if args.auto_scale_lr:
        if "base_batch_size" not in cfg.get("auto_scale_lr", {}):
            raise ValueError("--auto-scale-lr needs auto_scale_lr.base_batch_size in the config")
        cfg.auto_scale_lr.enable = True
    check_class_lists(cfg)
    if not (cfg.get("resume") or cfg.get("load_from")):
        check_local_checkpoints(cfg)
    return cfg


def build_runner(cfg):
    """An mmengine Runner whose checkpoint loading (resume/load_from) works under torch>=2.6."""
    from mmengine.runner import Runner

    from detr_deit.checkpoint_loading import trusted_checkpoints

    runner = Runner.from_cfg(cfg)
    load_or_resume = runner.load_or_resume

    def trusted_load_or_resume() -> None:
        with trusted_checkpoints():
            load_or_resume()

    runner.load_or_resume = trusted_load_or_resume
    return runner


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    try:
        cfg = build_cfg(args)
        build_runner(cfg).train()
    except (ValueError, FileNotFoundError) as e:  # bad config or input: one line, no traceback
        sys.exit(f"error: {e}")


if __name__ == "__main__":
    main()
