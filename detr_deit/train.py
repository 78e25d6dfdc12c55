"""Train a detr_deit config: ``python -m detr_deit.train CONFIG [--resume] [--auto-scale-lr]``.

The MMDetection 3.x training entry point (mmdet's tools/train.py) plus, before anything is
built: the class-list check, one-line errors for a missing pretrained file, a missing or
unreadable image (detr_deit/datachecks.py) and a resume / load_from checkpoint that is
unreadable or made for another class count, and a note on annotations of categories outside
the config's classes; resume works under torch >= 2.6 (common/openmmlab.py). Several processes:
``python -m detr_deit.tools.dist_train N CONFIG ...`` (torchrun on a free port; on CPU with the
gloo backend).
"""

from __future__ import annotations

import argparse
import sys

from mmengine.config import DictAction


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config", help="config file, or its name under detr_deit/configs "
                                  "(e.g. detr_deit-tiny_cpu-1xb4_synth-scannet)")
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
    from common.openmmlab import load_config
    from detr_deit import CONFIG_DIR
    from detr_deit.checks import check_class_lists, check_local_checkpoints

    cfg = load_config(args.config, CONFIG_DIR, work_dir=args.work_dir,
                      cfg_options=args.cfg_options)
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


def check_data(cfg, splits=("train", "val")) -> None:
    """Images readable (one-line error otherwise); annotations of unknown categories noted (on
    the main process)."""
    from common.openmmlab import is_main_process
    from detr_deit.datachecks import check_datasets

    check_datasets(cfg, splits, report=print if is_main_process() else lambda note: None)


def build_runner(cfg):
    """An mmengine Runner (common.openmmlab.build_runner): the checkpoint it will load checked
    against the config's class count, loading under torch >= 2.6, gloo on CPU under torchrun."""
    from common.openmmlab import build_runner
    from detr_deit.checks import class_head

    return build_runner(cfg, class_head(cfg))


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    try:
        cfg = build_cfg(args)
        check_data(cfg)
        build_runner(cfg).train()
    except (ValueError, FileNotFoundError) as e:  # bad config or input: one line, no traceback
        sys.exit(f"error: {e}")


if __name__ == "__main__":
    main()
