"""Train Deep3DBox on KITTI crops (SGD lr 1e-4, momentum 0.9, batch 8 by default).

    python -m deep3dbox.train --data-root KITTI --work-dir runs/deep3dbox [--epochs 50]

WORK_DIR receives meta.json (model settings, class mean dimensions and their stds, the dimension
target; read by predict/test),
best.keras (the lowest monitored loss so far), last.keras + state.json (a re-run resumes from
them), log.csv (one row per epoch) and tensorboard/. All but tensorboard/ are written atomically
after every epoch; temporary files of a save killed mid-write are removed at the next start.

Validation objects of a class without a training-split mean dimension (e.g. a Van in val but not
in train) are left out of the validation loss, with a note counting them.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import sys
import time
from collections import Counter
from pathlib import Path

import keras

from common.errors import DataFormatError
from common.harness.budget import LR_SCHEDULES, TimeBudget
from common.harness.keras_budget import CosineLearningRate, TimeBudgetCallback
from common.io import atomic_write_json, atomic_write_text, remove_orphans
from common.kitti import KittiFrameSet
from common.kitti.label import OBJECT_CLASSES
from deep3dbox.crop import CROP_MODES
from deep3dbox.data import TRAIN_CLASSES, CropDataset, collect_crops
from deep3dbox.dimensions import DIM_TARGETS, class_dimension_stats
from deep3dbox.losses import ORIENTATION_KINDS, make_losses
from deep3dbox.model import build_model, load_checkpoint, precision_policy, save_checkpoint

# What train() writes into WORK_DIR through common.io's atomic writers.
WRITTEN = ("meta.json", "best.keras", "last.keras", "state.json", "log.csv")
# --until-budget: Keras needs an epoch count; this one is far beyond what a budget buys, so the
# budget ends training
UNTIL_BUDGET_EPOCHS = 1000


class Checkpoints(keras.callbacks.Callback):
    """After every epoch, atomically: best.keras when the monitored loss improved (replaces
    ModelCheckpoint, which writes in place), last.keras (with optimizer state), then state.json."""

    def __init__(self, work_dir: Path, started: float, spent: float, monitor: str,
                 best: float | None):
        super().__init__()
        self.work_dir, self.started, self.spent = work_dir, started, spent
        self.monitor, self.best = monitor, best

    def on_epoch_end(self, epoch, logs=None):
        logs = {k: float(v) for k, v in (logs or {}).items()}
        if self.monitor in logs and (self.best is None or logs[self.monitor] < self.best):
            self.best = logs[self.monitor]
            save_checkpoint(self.model, self.work_dir / "best.keras")
        save_checkpoint(self.model, self.work_dir / "last.keras")
        atomic_write_json(self.work_dir / "state.json", {
            "epoch": epoch + 1, "train_seconds": self.spent + time.time() - self.started,
            "monitor": self.monitor, "best": self.best, "logs": logs})


class EpochLog(keras.callbacks.Callback):
    """log.csv: a header (epoch, then the log keys sorted, as CSVLogger) and one row per epoch,
    rewritten atomically after every epoch. Rows from epoch ``initial_epoch`` on (logged by a run
    killed before that epoch's checkpoint) are dropped: a resumed run logs each epoch once."""

    def __init__(self, path: Path, initial_epoch: int):
        super().__init__()
        self.path, self.rows = path, []
        if initial_epoch > 0 and path.is_file():
            with open(path, newline="", encoding="utf-8") as f:
                self.rows = [{k: v for k, v in row.items() if k is not None}
                             for row in csv.DictReader(f)
                             if row["epoch"].isdigit() and int(row["epoch"]) < initial_epoch]

    def on_epoch_end(self, epoch, logs=None):
        self.rows.append({"epoch": epoch, **{k: float(v) for k, v in (logs or {}).items()}})
        keys = sorted({k for row in self.rows for k in row} - {"epoch"})
        text = io.StringIO()
        writer = csv.DictWriter(text, ["epoch", *keys], lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        atomic_write_text(self.path, text.getvalue())


def replicas(devices: int):
    """The context to build the model in for ``devices`` data-parallel replicas: a no-op for one,
    else ``tf.distribute.MirroredStrategy().scope()`` over the first N GPUs or, with no GPU, the
    CPU split into N logical devices. Call it before TensorFlow runs its first operation."""
    if devices == 1:
        return contextlib.nullcontext()
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        tf.config.set_logical_device_configuration(
            tf.config.list_physical_devices("CPU")[0],
            [tf.config.LogicalDeviceConfiguration() for _ in range(devices)])
    names = [f"/{'gpu' if gpus else 'cpu'}:{i}" for i in range(devices)]
    print(f"note: MirroredStrategy with {devices} replicas on {', '.join(names)}",
          file=sys.stderr)
    return tf.distribute.MirroredStrategy(names).scope()


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
    p.add_argument("--lr-schedule", choices=LR_SCHEDULES, default="constant",
                   help="constant (the paper) or cosine decay from --lr to 0 over --epochs, "
                        "or with --until-budget over the time budget")
    p.add_argument("--input-size", type=int, default=224, help="crop side in pixels")
    p.add_argument("--crop-mode", choices=CROP_MODES, default="stretch",
                   help="stretch the 2D box to the square crop (the paper) or letterbox it "
                        "(keeps its aspect ratio)")
    p.add_argument("--bins", type=int, default=2)
    p.add_argument("--overlap", type=float, default=0.1, help="bin overlap in radians")
    p.add_argument("--orientation-loss", choices=ORIENTATION_KINDS, default="cos")
    p.add_argument("--dim-target", choices=DIM_TARGETS, default="normalised",
                   help="dimension residual to the class mean in metres (the paper) or in class "
                        "standard deviations")
    p.add_argument("--w-dim", type=float, default=1.0, help="dimension loss weight")
    p.add_argument("--w-orient", type=float, default=1.0, help="orientation loss weight")
    p.add_argument("--w-conf", type=float, default=1.0, help="confidence loss weight")
    p.add_argument("--vgg-weights", default=None, help="local VGG16 ImageNet *_notop.h5 file")
    p.add_argument("--trainable-conv", type=int, default=None,
                   help="train only the last N VGG16 conv layers (default: all)")
    p.add_argument("--dropout", type=float, default=0.5, help="head dropout rate")
    p.add_argument("--he-init", action="store_true",
                   help="without --vgg-weights: He-normal conv kernels instead of Glorot")
    p.add_argument("--batch-norm", action="store_true",
                   help="VGG16 with BatchNorm after every conv (torchvision's vgg16_bn); "
                        "random init only")
    p.add_argument("--classes", nargs="+", default=list(TRAIN_CLASSES), choices=OBJECT_CLASSES,
                   metavar="CLASS", help=f"classes to train on, of {' '.join(OBJECT_CLASSES)}")
    p.add_argument("--max-truncation", type=float, default=0.15)
    p.add_argument("--max-occlusion", type=int, default=1)
    p.add_argument("--patience", type=int, default=5,
                   help="EarlyStopping patience (validated epochs)")
    p.add_argument("--val-every", type=int, default=1,
                   help="validate after every N-th epoch only (Keras validation_freq); the "
                        "validation columns of log.csv are empty in between")
    p.add_argument("--workers", type=int, default=2,
                   help="PyDataset worker threads; with 2 or more Keras' enqueuer feeds tf.data "
                        "with autotuning off (with 1, tf.data's autotuning thread can hold up "
                        "an epoch's end by tens of seconds)")
    p.add_argument("--max-minutes", type=float, default=None, help="training time budget")
    p.add_argument("--until-budget", action="store_true",
                   help="train until --max-minutes is spent: no epoch count (--epochs) and no "
                        "early stopping (--patience)")
    p.add_argument("--cache-images", action="store_true",
                   help="keep decoded images in memory (small datasets)")
    p.add_argument("--jitter", type=float, default=0.0,
                   help="training: move each box side by up to this fraction of the box size")
    p.add_argument("--jitter-graded", action="store_true",
                   help="each crop draws its own --jitter bound, uniform in [0, --jitter]: "
                        "exact boxes (ground truth) are seen as well as coarse ones (a detector's)")
    p.add_argument("--amp", action="store_true",
                   help="mixed precision: bfloat16 on a CPU that has it natively (float32 "
                        "elsewhere), float16 on GPUs; variables and losses stay float32")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--devices", type=int, default=1,
                   help="data-parallel replicas (MirroredStrategy): the first N GPUs, or the "
                        "CPU split into N logical devices; --batch-size is the global batch")
    args = p.parse_args(argv)
    if args.batch_size < 1:
        p.error(f"--batch-size must be >= 1, got {args.batch_size}")
    if args.val_every < 1:
        p.error(f"--val-every must be >= 1, got {args.val_every}")
    if args.until_budget:
        if args.max_minutes is None:
            p.error("--until-budget needs --max-minutes")
        args.epochs, args.patience = UNTIL_BUDGET_EPOCHS, None
    if args.devices > 1:
        import tensorflow as tf

        gpus = len(tf.config.list_physical_devices("GPU"))
        if gpus and gpus < args.devices:
            p.error(f"--devices {args.devices}: only {gpus} GPU(s) found")
        if args.batch_size < args.devices:
            p.error(f"--batch-size must be >= --devices ({args.devices}), got {args.batch_size}")
    elif args.devices < 1:
        p.error(f"--devices must be >= 1, got {args.devices}")
    return args


@contextlib.contextmanager
def dtype_policy(name: str):
    """Keras' global dtype policy set to ``name`` inside the block, restored after it."""
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(name)
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(previous)


def train(args: argparse.Namespace) -> dict:
    """Train (or resume) and return the final state dict."""
    work = Path(args.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    scope = replicas(args.devices)
    if orphans := remove_orphans(work / name for name in WRITTEN):
        print(f"note: removed {len(orphans)} temporary file(s) of an interrupted save from {work}",
              file=sys.stderr)
    keras.utils.set_random_seed(args.seed)
    policy = precision_policy(args.amp)
    if args.amp and policy == "float32":
        print("note: --amp: this CPU has no native bfloat16 (AVX512-BF16 or AMX); training in "
              "float32", file=sys.stderr)
    frames = KittiFrameSet(args.data_root, split=args.split, skip_bad=True)
    for _, message in frames.bad:
        print(f"warning: skipping frame: {message}", file=sys.stderr)
    means, stds = class_dimension_stats(frames, args.classes)
    meta = {"classes": list(means), "class_means": means, "class_stds": stds,
            "dim_target": args.dim_target, "input_size": args.input_size,
            "crop_mode": args.crop_mode,
            "num_bins": args.bins, "overlap": args.overlap, "train_args": vars(args)}
    atomic_write_json(work / "meta.json", meta)
    filters = dict(classes=args.classes, max_truncation=args.max_truncation,
                   max_occlusion=args.max_occlusion)
    common = dict(means=means, batch_size=args.batch_size, input_size=args.input_size,
                  num_bins=args.bins, overlap=args.overlap, workers=args.workers,
                  cache=args.cache_images, min_batch=args.devices, crop_mode=args.crop_mode,
                  scales=stds if args.dim_target == "normalised" else None)
    train_data = CropDataset(frames, collect_crops(frames, **filters), augment=True, shuffle=True,
                             seed=args.seed, jitter=args.jitter,
                             jitter_graded=args.jitter_graded, **common)
    val_data = None
    named_val = Path(args.data_root) / "ImageSets" / f"{args.val_split}.txt"
    if args.val_split and (Path(args.val_split).exists() or named_val.exists()):
        val_frames = KittiFrameSet(args.data_root, split=args.val_split, skip_bad=True)
        val_crops = collect_crops(val_frames, **filters)
        if unknown := Counter(c.cls for c in val_crops if c.cls not in means):
            counts = ", ".join(f"{n} {cls}" for cls, n in sorted(unknown.items()))
            print(f"note: {unknown.total()} val object(s) of classes absent from the training "
                  f"split left out of the validation loss: {counts}", file=sys.stderr)
            val_crops = [c for c in val_crops if c.cls in means]
        if val_crops:
            val_data = CropDataset(val_frames, val_crops, **common)

    state_path, last = work / "state.json", work / "last.keras"
    state = json.loads(state_path.read_text()) if state_path.exists() and last.exists() else None
    # the layers keep the policy they are built under (a resumed model: the one it was saved
    # with); the global policy is restored afterwards
    with scope, dtype_policy(policy):
        if state is not None:
            model = load_checkpoint(last)
            print(f"resuming from {last} after epoch {state['epoch']}", file=sys.stderr)
        else:
            model = build_model(args.input_size, args.bins, args.vgg_weights,
                                args.trainable_conv, dropout=args.dropout, he_init=args.he_init,
                                batch_norm=args.batch_norm, seed=args.seed)
            opt = (keras.optimizers.SGD(args.lr, momentum=args.momentum)
                   if args.optimizer == "sgd" else keras.optimizers.Adam(args.lr))
            model.compile(optimizer=opt, loss=make_losses(args.orientation_loss),
                          loss_weights={"dimensions": args.w_dim, "orientation": args.w_orient,
                                        "confidence": args.w_conf})
    initial_epoch = state["epoch"] if state else 0
    started, spent = time.time(), state["train_seconds"] if state else 0.0
    budget = None if args.max_minutes is None else TimeBudget(60 * args.max_minutes, spent)
    if initial_epoch >= args.epochs or (budget is not None and budget.is_spent(0.0)):
        return state  # finished earlier: nothing to do
    monitor = "val_loss" if val_data is not None else "loss"
    best = state.get("best") if state else None
    callbacks = [
        EpochLog(work / "log.csv", initial_epoch),
        keras.callbacks.TensorBoard(str(work / "tensorboard")),
        Checkpoints(work, started, spent, monitor, best),
    ]
    if args.patience is not None:
        callbacks.insert(0, keras.callbacks.EarlyStopping(monitor=monitor,
                                                          patience=args.patience))
    if budget is not None:
        callbacks.append(TimeBudgetCallback(budget, started))
    if args.lr_schedule == "cosine" and args.until_budget:
        callbacks.append(CosineLearningRate(args.lr, budget=budget, started=started))
    elif args.lr_schedule == "cosine":
        steps = args.steps_per_epoch or len(train_data)
        callbacks.append(CosineLearningRate(args.lr, total_steps=args.epochs * steps,
                                            initial_step=initial_epoch * steps))
    model.fit(train_data, validation_data=val_data, epochs=args.epochs, initial_epoch=initial_epoch,
              steps_per_epoch=args.steps_per_epoch, callbacks=callbacks, verbose=2,
              validation_freq=args.val_every)
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
