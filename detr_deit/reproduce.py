"""Synthetic reproduction: train the CPU config on synthetic ScanNet frames, evaluate, record.

``python -m common.synth scannet DIR --num 2000`` first (what ``nox -s demo`` generates), then
``python -m detr_deit.reproduce --data-root DIR --work-dir WORK [--minutes 20]``:
converts DIR to COCO json (DIR/annotations), trains
detr_deit/configs/detr_deit-tiny_cpu-1xb4_synth-scannet.py within the time budget
(TimeBudgetHook fits the schedule to it), evaluates COCO AP on the held-out scenes and writes
WORK/results.json (a common.results record) and WORK/sample.png. Re-running resumes an
interrupted training and reuses finished stages.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from common.cli import reproduce_parser
from common.io import atomic_write_json

CONFIG = "detr_deit-tiny_cpu-1xb4_synth-scannet.py"


def prepare_data(data_root: Path) -> None:
    """COCO json of the synthetic frames, unless already newer than the frames' marker."""
    from detr_deit.prepare import prepare_scannet

    marker = data_root / "synth.json"
    anns = [data_root / "annotations" / f"{s}.json" for s in ("train", "val")]
    if not (data_root / "splits" / "train.txt").is_file():
        raise FileNotFoundError(f"{data_root}: no splits/train.txt; generate the data with "
                                f"`python -m common.synth scannet {data_root}` first")
    if all(a.is_file() for a in anns) and (not marker.exists() or all(
            a.stat().st_mtime >= marker.stat().st_mtime for a in anns)):
        return
    prepare_scannet(data_root)


def reproduce_cfg(data_root: Path, work_dir: Path, minutes: float, cfg_options=None):
    """The CPU config pointed at ``data_root``, with the time budget hook."""
    from common.openmmlab import load_config
    from detr_deit import CONFIG_DIR

    cfg = load_config(CONFIG, CONFIG_DIR, data_root=data_root, work_dir=work_dir / "train",
                      cfg_options=cfg_options)
    cfg.custom_hooks = [*cfg.get("custom_hooks", []), dict(type="TimeBudgetHook",
                                                           seconds=60 * minutes)]
    return cfg


def train(cfg, work_dir: Path) -> float:
    """Train (resuming the latest checkpoint if any); returns the total training seconds."""
    from mmengine.runner import find_latest_checkpoint

    from common.harness.mmengine_budget import SPENT_KEY
    from detr_deit.checks import check_class_lists
    from detr_deit.train import build_runner, check_data

    done = work_dir / "train_done.json"
    if done.is_file():
        return json.loads(done.read_text())["train_seconds"]
    check_class_lists(cfg)
    check_data(cfg)
    cfg.resume = find_latest_checkpoint(cfg.work_dir) is not None
    runner = build_runner(cfg)
    start = time.monotonic()
    runner.train()
    seconds = float(runner.message_hub.get_info(SPENT_KEY, time.monotonic() - start))
    atomic_write_json(done, {"train_seconds": seconds, "epochs": runner.epoch,
                             "checkpoint": find_latest_checkpoint(cfg.work_dir)})
    return seconds


def draw_sample(cfg, checkpoint: str, out: Path, score_thr: float = 0.3) -> None:
    """The first held-out frame with ground truth (white) and detections above score_thr."""
    from mmdet.apis import inference_detector, init_detector

    from common.coco import load_coco
    from common.io import read_image
    from common.openmmlab import trusted_checkpoints
    from common.viz import draw_boxes_2d, new_figure, save_figure, show_image

    with trusted_checkpoints():
        model = init_detector(cfg, checkpoint, device="cpu")
    root = Path(cfg.test_dataloader.dataset.data_root)
    coco = load_coco(cfg.test_evaluator.ann_file)
    info = coco.loadImgs(coco.getImgIds()[0])[0]
    image = read_image(root / info["file_name"])
    pred = inference_detector(model, str(root / info["file_name"])).pred_instances
    keep = pred.scores > score_thr
    names = model.dataset_meta["classes"]
    gt = [a["bbox"] for a in coco.loadAnns(coco.getAnnIds(imgIds=info["id"]))]
    fig, (ax,) = new_figure(1, size=(6.4, 4.8))
    show_image(ax, image)
    draw_boxes_2d(ax, [[x, y, x + w, y + h] for x, y, w, h in gt], color="white")
    draw_boxes_2d(ax, pred.bboxes[keep].numpy(), [names[i] for i in pred.labels[keep]],
                  pred.scores[keep].numpy())
    ax.set_title(f"{info['file_name']}: ground truth (white), detections > {score_thr}")
    save_figure(fig, out)


def main(argv: list[str] | None = None) -> None:
    from mmengine.config import DictAction

    p = reproduce_parser("detr_deit.reproduce", __doc__,
                         "output of `python -m common.synth scannet`", 20.0)
    p.add_argument("--threads", type=int, default=1,
                   help="torch CPU threads (default 1: on a busy shared 2-core machine two "
                        "OpenMP threads spin-wait on each other; measured 15x slower per step)")
    p.add_argument("--cfg-options", nargs="+", action=DictAction, metavar="KEY=VALUE",
                   help="override settings of the CPU config, e.g. optimizer.lr=4e-4 "
                        "(recorded in the results' notes)")
    args = p.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    from mmengine.runner import find_latest_checkpoint

    from detr_deit.test import evaluate, write_record

    try:
        prepare_data(args.data_root.resolve())
        cfg = reproduce_cfg(args.data_root.resolve(), args.work_dir.resolve(), args.minutes,
                            args.cfg_options)
        train_seconds = train(cfg, args.work_dir)
        checkpoint = find_latest_checkpoint(cfg.work_dir)
        metrics, runner, ms = evaluate(cfg.copy(), checkpoint)
    except (ValueError, FileNotFoundError) as e:
        sys.exit(f"error: {e}")
    path = write_record(
        args.work_dir / "results.json", CONFIG, metrics, runner, ms, train_seconds=train_seconds,
        notes=f"trained from scratch on common.synth scannet within {args.minutes:g} min "
              "(CPU); COCO AP on the held-out scenes through pycocotools"
              + (f"; --cfg-options {args.cfg_options}" if args.cfg_options else ""))
    draw_sample(cfg, checkpoint, args.work_dir / "sample.png")
    print(f"AP50 {metrics['coco/bbox_mAP_50']:.3f}  AP {metrics['coco/bbox_mAP']:.3f} -> {path}")


if __name__ == "__main__":
    main()
