"""Evaluate a checkpoint: ``python -m detr_deit.test CONFIG CHECKPOINT [--record PATH]``.

Runs MMDetection's test loop with the config's ``test_evaluator`` (CocoMetric: COCO AP through
pycocotools) and writes a common.results record (AP, AP50, AP75, APs/m/l, parameters, wall
ms per image) to WORK_DIR/results.json or --record.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from mmengine.config import DictAction

from common.results import MODELS

# CocoMetric's keys -> the names in the results record.
METRICS = {"coco/bbox_mAP": "AP", "coco/bbox_mAP_50": "AP50", "coco/bbox_mAP_75": "AP75",
           "coco/bbox_mAP_s": "APs", "coco/bbox_mAP_m": "APm", "coco/bbox_mAP_l": "APl"}
# Parts of a config name -> the record's names (common.results.MODELS and DATASETS).
MODEL_NAMES = {"detr_deit-tiny": "DETR-DeiT-tiny", "detr_r50": "DETR-R50"}
DATASET_NAMES = {"voc0712": "voc"}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("config")
    p.add_argument("checkpoint", help="full training checkpoint or a slimmed weights-only one")
    p.add_argument("--work-dir", help="default work_dirs/<config name>")
    p.add_argument("--record", help="results record path (default WORK_DIR/results.json)")
    p.add_argument("--model-name", choices=MODELS,
                   help="name in the record (default from the config name)")
    p.add_argument("--cfg-options", nargs="+", action=DictAction, metavar="KEY=VALUE")
    p.add_argument("--launcher", choices=["none", "pytorch", "slurm", "mpi"], default="none")
    p.add_argument("--local-rank", "--local_rank", type=int, default=0, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def names_from_config(config: str | Path) -> tuple[str, str]:
    """(model, dataset) of the record from an OpenMMLab config name ({algorithm}_{backbone}_
    ..._{dataset}), e.g. ``detr_deit-tiny_8xb1-150e_voc0712`` -> ("DETR-DeiT-tiny", "voc")."""
    parts = Path(config).stem.split("_")
    model, dataset = "_".join(parts[:2]), parts[-1]
    return MODEL_NAMES.get(model, model), DATASET_NAMES.get(dataset, dataset)


def scored_split(cfg) -> str:
    """The split the test loop scores, named by its annotation file's last word:
    ``annotations/val.json`` -> "val", ``annotations/voc07_test.json`` -> "test"."""
    return Path(cfg.test_dataloader.dataset.ann_file).stem.split("_")[-1]


def evaluate(cfg, checkpoint: str | Path) -> tuple[dict[str, float], object, float]:
    """(CocoMetric results, runner, wall ms per image) of ``checkpoint`` on the test split;
    a missing, unreadable or other-class-count checkpoint raises one line first."""
    from detr_deit.train import build_runner

    cfg.load_from = str(checkpoint)
    cfg.resume = False
    runner = build_runner(cfg)
    start = time.perf_counter()
    metrics = runner.test()
    ms = 1000 * (time.perf_counter() - start) / max(1, len(runner.test_dataloader.dataset))
    return metrics, runner, ms


def record_names(config: str | Path, cfg, model_name: str | None = None) -> dict[str, str]:
    """model, config, dataset and split of the record of ``config`` (loaded as ``cfg``);
    ValueError for a name common.results does not know."""
    from common.results import check_name

    model, dataset = names_from_config(config)
    names = {"model": model_name or model, "config": Path(config).stem, "dataset": dataset,
             "split": scored_split(cfg)}
    for field in ("model", "dataset", "split"):
        check_name(field, names[field])
    return names


def write_record(path: str | Path, config: str | Path, metrics: dict, runner, ms: float,
                 model_name: str | None = None, notes: str = "", train_seconds=None) -> Path:
    """Save a common.results record of one evaluation; returns its path."""
    from common.results import make_record, save_record

    record = make_record(
        **record_names(config, runner.cfg, model_name), task="2d",
        # in percent, as every record (mmdet's CocoMetric gives fractions); pycocotools reports
        # -1 for an area range without ground truth: left out
        metrics={name: 100.0 * metrics[key] for key, name in METRICS.items()
                 if metrics.get(key, -1) >= 0},
        params=sum(p.numel() for p in runner.model.parameters()),
        train_seconds=train_seconds, infer_ms_per_image=ms,
        notes=notes or "COCO AP (pycocotools via mmdet CocoMetric); ms/image is the wall time "
                       "of the whole test loop (data loading included) per image")
    save_record(record, path)
    return Path(path)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    from common.openmmlab import load_config
    from detr_deit import CONFIG_DIR
    from detr_deit.checks import check_class_lists
    from detr_deit.train import check_data

    try:
        cfg = load_config(args.config, CONFIG_DIR, work_dir=args.work_dir,
                          cfg_options=args.cfg_options)
        cfg.launcher = args.launcher
        check_class_lists(cfg)
        check_data(cfg, ("test",))
        record_names(args.config, cfg, args.model_name)  # a bad name stops before the test loop
        metrics, runner, ms = evaluate(cfg, args.checkpoint)
    except (ValueError, FileNotFoundError) as e:
        sys.exit(f"error: {e}")
    if runner.rank == 0:
        path = write_record(args.record or Path(cfg.work_dir) / "results.json", args.config,
                            metrics, runner, ms, args.model_name)
        print(f"AP {metrics.get('coco/bbox_mAP', float('nan')):.3f}  "
              f"AP50 {metrics.get('coco/bbox_mAP_50', float('nan')):.3f} -> {path}")


if __name__ == "__main__":
    main()
