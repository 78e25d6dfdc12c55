"""Train Deep3DBox on KITTI crops (SGD lr 1e-4, momentum 0.9, batch 8 by default).

    python -m deep3dbox.train --data-root KITTI --work-dir runs/deep3dbox [--epochs 50]

WORK_DIR receives meta.json (model settings and class mean dimensions, read by infer/evaluate),
best.keras (ModelCheckpoint on the monitored loss), last.keras + state.json (written atomically
after every epoch; a re-run resumes from them), log.csv (CSVLogger) and tensorboard/.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import keras

from common.errors import DataFormatError
from common.io import atomic_save, atomic_write_json
from common.kitti import KittiFrameSet
from deep3dbox.data import TRAIN_CLASSES, CropDataset, class_mean_dimensions, collect_crops
from deep3dbox.losses import ORIENTATION_KINDS, make_losses
from deep3dbox.model import build_model


class ResumeCheckpoint(keras.callbacks.Callback):
    """Atomically save last.keras (with optimizer state) and state.json after every epoch."""

    def __init__(self, work_dir: Path, started: float, spent: float, monitor: str,
                 best: float | None):
        super().__init__()
        self.work_dir, self.started, self.spent = work_dir, started, spent
        self.monitor, self.best = monitor, best

    def on_epoch_end(self, epoch, logs=None):
        logs = {k: float(v) for k, v in (logs or {}).items()}
        if self.monitor in logs and (self.best is None or logs[self.monitor] < self.best):
            self.best = logs[self.monitor]
        atomic_save(self.work_dir / "last.keras", self.model.save)
        atomic_write_json(self.work_dir / "state.json", {
            "epoch": epoch + 1, "train_seconds": self.spent + time.time() - self.started,
            "monitor": self.monitor, "best": self.best, "logs": logs})


class TimeBudget(keras.callbacks.Callback):
    """Stop training (after the current batch; the epoch still ends normally) past a deadline."""

    def __init__(self, deadline: float):
        super().__init__()
        self.deadline = deadline

    def on_train_batch_end(self, batch, logs=None):
        if time.time() > self.deadline:
            self.model.stop_training = True


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m deep3dbox.train",
                                description=__doc__.split("\n")[0])
    p.add_argument("--data-root", required=True, help="KITTI root (training/, ImageSets/)")
    p.add_argument("--work-dir", required=True, help="checkpoints, logs and meta.json go here")
    p.add_argument("--split", default="train", help="training split name or file")
    p.add_argument("--val-split", default="val", help="validation split ('' for none)")
    p.add_argument("--epochs", type=int, default=50)
    p.add_argument("--steps-per-epoch", type=int, default=None, help="default: one pass")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--optimizer", choices=("sgd", "adam"), default="sgd")
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--input-size", type=int, default=224, help="crop side in pixels")
    p.add_argument("--bins", type=int, default=2)
    p.add_argument("--overlap", type=float, default=0.1, help="bin overlap in radians")
    p.add_argument("--orientation-loss", choices=ORIENTATION_KINDS, default="cos")
    p.add_argument("--w-dim", type=float, default=1.0, help="dimension loss weight")
    p.add_argument("--w-orient", type=float, default=1.0, help="orientation loss weight")
    p.add_argument("--w-conf", type=float, default=1.0, help="confidence loss weight")
    p.add_argument("--vgg-weights", default=None, help="local VGG16 ImageNet *_notop.h5 file")
    p.add_argument("--trainable-conv", type=int, default=None,
                   help="train only the last N VGG16 conv layers (default: all)")
    p.add_argument("--dropout", type=float, default=0.5, help="head dropout rate")
    p.add_argument("--he-init", action="store_true",
                   help="without --vgg-weights: He-normal conv kernels instead of Glorot")
    p.add_argument("--classes", nargs="+", default=list(TRAIN_CLASSES))
    p.add_argument("--max-truncation", type=float, default=0.15)
    p.add_argument("--max-occlusion", type=int, default=1)
    p.add_argument("--patience", type=int, default=5, help="EarlyStopping patience (epochs)")
    p.add_argument("--workers", type=int, default=2, help="PyDataset worker threads")
    p.add_argument("--max-minutes", type=float, default=None, help="training time budget")
    p.add_argument("--cache-images", action="store_true",
                   help="keep decoded images in memory (small datasets)")
    p.add_argument("--jitter", type=float, default=0.0,
                   help="training: move each box side by up to this fraction of the box size")
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args(argv)


def train(args: argparse.Namespace) -> dict:
    """Train (or resume) and return the final state dict."""
    work = Path(args.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(args.seed)
    frames = KittiFrameSet(args.data_root, split=args.split, skip_bad=True)
    for _, message in frames.bad:
        print(f"warning: skipping frame: {message}", file=sys.stderr)
    means = class_mean_dimensions(frames, args.classes)
    meta = {"classes": list(means), "class_means": means, "input_size": args.input_size,
            "num_bins": args.bins, "overlap": args.overlap, "train_args": vars(args)}
    atomic_write_json(work / "meta.json", meta)
    filters = dict(classes=args.classes, max_truncation=args.max_truncation,
                   max_occlusion=args.max_occlusion)
    common = dict(means=means, batch_size=args.batch_size, input_size=args.input_size,
                  num_bins=args.bins, overlap=args.overlap, workers=args.workers,
                  cache=args.cache_images)
    train_data = CropDataset(frames, collect_crops(frames, **filters), augment=True, shuffle=True,
                             seed=args.seed, jitter=args.jitter, **common)
    val_data = None
    named_val = Path(args.data_root) / "ImageSets" / f"{args.val_split}.txt"
    if args.val_split and (Path(args.val_split).exists() or named_val.exists()):
        val_frames = KittiFrameSet(args.data_root, split=args.val_split, skip_bad=True)
        val_crops = collect_crops(val_frames, **filters)
        if val_crops:
            val_data = CropDataset(val_frames, val_crops, **common)

    state_path, last = work / "state.json", work / "last.keras"
    state = json.loads(state_path.read_text()) if state_path.exists() and last.exists() else None
    if state is not None:
        model = keras.saving.load_model(last)
        print(f"resuming from {last} after epoch {state['epoch']}", file=sys.stderr)
    else:
        model = build_model(args.input_size, args.bins, args.vgg_weights, args.trainable_conv,
                            dropout=args.dropout, he_init=args.he_init, seed=args.seed)
        opt = (keras.optimizers.SGD(args.lr, momentum=args.momentum) if args.optimizer == "sgd"
               else keras.optimizers.Adam(args.lr))
        model.compile(optimizer=opt, loss=make_losses(args.orientation_loss),
                      loss_weights={"dimensions": args.w_dim, "orientation": args.w_orient,
                                    "confidence": args.w_conf})
    initial_epoch = state["epoch"] if state else 0
    started, spent = time.time(), state["train_seconds"] if state else 0.0
    budget = None if args.max_minutes is None else 60 * args.max_minutes
    if initial_epoch >= args.epochs or (budget is not None and spent >= budget):
        return state  # finished earlier: nothing to do
    monitor = "val_loss" if val_data is not None else "loss"
    best = state.get("best") if state else None
    callbacks = [
        keras.callbacks.ModelCheckpoint(str(work / "best.keras"), monitor=monitor,
                                        save_best_only=True, initial_value_threshold=best),
        keras.callbacks.EarlyStopping(monitor=monitor, patience=args.patience),
        keras.callbacks.CSVLogger(str(work / "log.csv"), append=True),
        keras.callbacks.TensorBoard(str(work / "tensorboard")),
        ResumeCheckpoint(work, started, spent, monitor, best),
    ]
    if budget is not None:
        callbacks.append(TimeBudget(started + budget - spent))
    model.fit(train_data, validation_data=val_data, epochs=args.epochs, initial_epoch=initial_epoch,
              steps_per_epoch=args.steps_per_epoch, callbacks=callbacks, verbose=2)
    return json.loads(state_path.read_text())


def main(argv=None) -> None:
    args = parse_args(argv)
    try:
        state = train(args)
    except (DataFormatError, OSError) as e:
        sys.exit(f"error: {e}")
    print(json.dumps(state))


if __name__ == "__main__":
    main()
