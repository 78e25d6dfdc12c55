"""Train CenterNet (ctdet).

    python -m centernet.train --data voc --data-root DATA/VOCdevkit --arch res18 --work-dir W

Official recipe (src/main.py, opts.py): Adam, lr 1.25e-4 for batch 32 scaled linearly with the
batch size, VOC and KITTI 70 epochs with x0.1 drops at 45 and 60 (COCO 140 epochs, drops at 90
and 120).
``--minutes M`` fits that schedule into a time budget: after the first epoch the number of epochs
and the drop epochs are scaled to what fits, and training stops when the budget (counted over
resumed runs too) is spent. Checkpoints (``W/last.pth``, atomic) are written
every epoch and when stopping; re-running the same command resumes. Several processes (GPUs, or
CPU processes with gloo): ``torchrun --nproc_per_node N -m centernet.train ...`` (DDP;
--batch-size is the global batch and must divide by N; rank 0's clock decides the time budget
and rank 0 alone writes checkpoints and logs).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import torch
import torch.distributed as dist
from torch.utils.data import DataLoader, DistributedSampler
from tqdm import tqdm

from centernet.checkpoint import load_weights, read_checkpoint
from centernet.data.datasets import DATASET_STATS, CtdetDataset, load_split
from centernet.losses import ctdet_loss
from centernet.models import ARCHS, build_model
from centernet.models.resnet import NECKS
from common.amp import NO_BF16_NOTICE, amp_dtype_for
from common.distributed import close_process_group
from common.errors import DataFormatError
from common.harness.budget import TimeBudget, scaled_milestones, units_that_fit
from common.io import atomic_save, remove_orphans

BASE_LR, BASE_BATCH = 1.25e-4, 32  # official: lr 1.25e-4 for batch size 32
# epochs, lr drops; KITTI as the official experiments/ddd_3dop.sh (--num_epochs 70 --lr_step 45,60)
SCHEDULES = {"voc": (70, (45, 60)), "coco": (140, (90, 120)), "kitti": (70, (45, 60))}


def input_size_arg(text: str) -> int | tuple[int, int]:
    """``--input-size``: S (square) or HxW, e.g. 384x1280."""
    try:
        parts = [int(v) for v in text.lower().split("x")]
    except ValueError:
        parts = []
    if len(parts) not in (1, 2) or any(v <= 0 or v % 32 for v in parts):
        raise argparse.ArgumentTypeError(f"expected S or HxW, multiples of 32, got {text!r}")
    return parts[0] if len(parts) == 1 else (parts[0], parts[1])


def positive_int(text: str) -> int:
    """An argparse type: an integer > 0."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def format_size(input_size: int | tuple[int, int]) -> str:
    """384 -> "384", (160, 512) -> "160x512" (the --input-size text)."""
    return "x".join(str(v) for v in ((input_size,) if isinstance(input_size, int) else input_size))


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m centernet.train", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", choices=sorted(DATASET_STATS), default="voc")
    p.add_argument("--data-root", required=True, help="VOCdevkit root, COCO root with "
                   "annotations/instances_train2017.json and train2017/, or the KITTI layout "
                   "of centernet.prepare.prepare")
    p.add_argument("--arch", choices=ARCHS, default="res18")
    p.add_argument("--dcn", action="store_true", help="deformable 3x3 convs in the neck (paper)")
    p.add_argument("--pretrained", help="local ImageNet weights of the backbone (.pth)")
    p.add_argument("--head-conv", type=positive_int,
                   help="width of the heads' 3x3 conv (official --head_conv); default 64 for "
                        "res18, 256 for dla34")
    p.add_argument("--per-channel-up", action="store_true",
                   help="res18: initialise each neck deconv as per-channel bilinear upsampling "
                        "instead of the official init that sums every channel into channel 0 "
                        "(xingyizhou/CenterNet#817)")
    p.add_argument("--neck", choices=NECKS, default="official",
                   help="res18: the paper's plain up-conv neck (official, for --pretrained runs) "
                        "or skip: 1x1 laterals from C5/C4/C3 into its stride-16/8/4 stages, "
                        "what a run from random weights needs (docs/centernet.md)")
    p.add_argument("--work-dir", required=True)
    p.add_argument("--input-size", type=input_size_arg,
                   help="S or HxW (multiples of 32); default 384 (voc), 512 (coco), 384x1280 "
                        "(kitti)")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, help="default 1.25e-4 * batch / 32")
    p.add_argument("--epochs", type=int, help="default 70 (voc) / 140 (coco)")
    p.add_argument("--lr-steps", type=lambda s: tuple(int(v) for v in s.split(",")),
                   help="epochs where lr drops x0.1, e.g. 45,60")
    p.add_argument("--minutes", type=float, help="fit the schedule into this time budget")
    p.add_argument("--corrected-radius", action="store_true",
                   help="CornerNet's corrected gaussian_radius instead of the official one")
    p.add_argument("--no-color-aug", action="store_true")
    p.add_argument("--workers", type=int, default=min(4, os.cpu_count() or 1))
    p.add_argument("--amp", action="store_true",
                   help="mixed precision: float16 + loss scaling on CUDA, bfloat16 on a CPU "
                        "with native bfloat16 (AVX512-BF16 or AMX); float32 on other CPUs, "
                        "where bfloat16 is emulated and 12x slower")
    p.add_argument("--seed", type=int, default=317)  # official default seed
    p.add_argument("--no-resume", action="store_true", help="ignore WORK_DIR/last.pth")
    args = p.parse_args(argv)
    if args.neck != "official" and args.arch != "res18":
        p.error(f"--neck {args.neck} is for res18; {args.arch} has its own skips (IDA-up)")
    stats = DATASET_STATS[args.data]
    epochs, steps = SCHEDULES[args.data]
    args.input_size = args.input_size or stats["input_size"]
    args.lr = args.lr or BASE_LR * args.batch_size / BASE_BATCH
    if args.epochs is None:
        args.epochs = epochs
        args.lr_steps = args.lr_steps or steps
    args.lr_steps = tuple(args.lr_steps or ())
    return args


def lr_at(epoch: int, base_lr: float, steps: tuple[int, ...]) -> float:
    """Step schedule: base_lr * 0.1^(number of steps <= epoch), epochs counted from 0."""
    return base_lr * 0.1 ** sum(epoch >= s for s in steps)


def scale_schedule(args, epoch_seconds: float, spent: float) -> None:
    """After the first epoch: shrink epochs and lr steps proportionally so that training fills
    args.minutes, the epochs of the time left rounded to the nearest (the budget check in the
    loop cuts the last epoch if it runs over)."""
    total = units_that_fit(1, args.epochs, args.minutes * 60 - spent, epoch_seconds,
                           nearest=True)
    args.lr_steps = tuple(scaled_milestones(args.lr_steps, total / args.epochs, first=1))
    args.epochs = total


def checkpoint(model, optimizer, scaler, epoch: int, args, classes, seconds: float) -> dict:
    net = model.module if hasattr(model, "module") else model
    return {"model": net.state_dict(), "optimizer": optimizer.state_dict(),
            "scaler": scaler.state_dict(), "epoch": epoch, "classes": list(classes),
            "train_seconds": seconds,
            "config": {"arch": args.arch, "dcn": args.dcn, "head_conv": net.heads.head_conv,
                       "per_channel_up": args.per_channel_up, "neck": args.neck,
                       "data": args.data,
                       "input_size": args.input_size, "epochs": args.epochs,
                       "lr_steps": list(args.lr_steps), "lr": args.lr,
                       "batch_size": args.batch_size, "corrected_radius": args.corrected_radius}}


def save(state: dict, path: Path) -> None:
    atomic_save(path, lambda tmp: torch.save(state, tmp))


def rank0_values(values: list[float], world: int, device: torch.device) -> list[float]:
    """Rank 0's values on every rank: the time budget is read on one clock, so that all
    processes stop at the same step and fit the same schedule."""
    if world == 1:
        return values
    tensor = torch.tensor(values, dtype=torch.float64, device=device)
    dist.broadcast(tensor, 0)
    return tensor.tolist()


def train(args) -> Path:
    """Run (or resume) training; returns the path of the final checkpoint."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    cuda = torch.cuda.is_available()
    if args.batch_size % world:
        sys.exit(f"error: --batch-size {args.batch_size} is not divisible by the {world} "
                 "processes (it is the global batch: each process takes batch / N images)")
    if world > 1:
        dist.init_process_group("nccl" if cuda else "gloo")
    device = torch.device(f"cuda:{int(os.environ.get('LOCAL_RANK', 0))}" if cuda else "cpu")
    if cuda:
        torch.cuda.set_device(device)
    torch.manual_seed(args.seed)
    work = Path(args.work_dir)
    final_path, last_path = work / "model_final.pth", work / "last.pth"
    if rank == 0 and (orphans := remove_orphans([last_path, final_path])):
        print(f"note: removed {len(orphans)} temporary file(s) of an interrupted save from {work}")

    dset = load_split(args.data, args.data_root, train=True)
    stats = DATASET_STATS[args.data]
    data = CtdetDataset(dset, args.input_size, stats["mean"], stats["std"],
                        color=not args.no_color_aug, corrected_radius=args.corrected_radius,
                        seed=args.seed)
    model = build_model(args.arch, len(dset.classes), args.dcn, args.pretrained,
                        args.head_conv, args.per_channel_up, args.neck)
    amp_dtype = amp_dtype_for(args.amp, device)
    if args.amp and amp_dtype is None and rank == 0:
        print(NO_BF16_NOTICE)
    # channels_last suits the mixed-precision kernels; in float32 it was 10-25 % slower on the
    # AVX2 EPYC (docs/centernet.md)
    memory_format = torch.contiguous_format if amp_dtype is None else torch.channels_last
    model = model.to(device, memory_format=memory_format)
    optimizer = torch.optim.Adam(model.parameters(), args.lr)
    scaler = torch.amp.GradScaler("cuda", enabled=args.amp and cuda)
    start_epoch, seconds_before = 0, 0.0
    if last_path.exists() and not args.no_resume:
        state = read_checkpoint(last_path, device)
        if list(state["classes"]) != list(dset.classes):
            raise DataFormatError(last_path, f"expected a checkpoint of this dataset's "
                                  f"{len(dset.classes)} classes to resume, got one of "
                                  f"{len(state['classes'])}; use another --work-dir or "
                                  "--no-resume")
        load_weights(model, state["model"], last_path, f"the {args.arch} of this command")
        optimizer.load_state_dict(state["optimizer"])
        scaler.load_state_dict(state["scaler"])
        start_epoch, seconds_before = state["epoch"], state["train_seconds"]
        if args.minutes:  # keep the schedule already fitted to the budget
            args.epochs = state["config"]["epochs"]
            args.lr_steps = tuple(state["config"]["lr_steps"])
        if rank == 0:
            print(f"resuming from {last_path} at epoch {start_epoch}/{args.epochs}")
    budget = TimeBudget(args.minutes * 60, seconds_before) if args.minutes else None
    budget_spent = budget is not None and budget.is_spent(0.0)
    if (start_epoch >= args.epochs or budget_spent) and final_path.exists():
        return final_path
    if world > 1:
        model = torch.nn.parallel.DistributedDataParallel(
            model, device_ids=[device] if cuda else None)
    sampler = DistributedSampler(data, shuffle=True, seed=args.seed) if world > 1 else None
    per_rank = args.batch_size // world
    loader = DataLoader(data, batch_size=min(per_rank, len(data)), shuffle=sampler is None,
                        sampler=sampler, num_workers=args.workers, drop_last=True,
                        pin_memory=cuda, persistent_workers=False,
                        generator=torch.Generator().manual_seed(args.seed))
    writer = None
    if rank == 0:
        from torch.utils.tensorboard import SummaryWriter
        writer = SummaryWriter(str(work / "tb"))
    t0 = time.time()
    step = start_epoch * len(loader)
    epoch = start_epoch
    stopped = False
    while epoch < args.epochs and not stopped:
        data.epoch = epoch
        if sampler is not None:
            sampler.set_epoch(epoch)
        lr = lr_at(epoch, args.lr, args.lr_steps)
        for g in optimizer.param_groups:
            g["lr"] = lr
        model.train()
        t_epoch = time.time()
        bar = tqdm(loader, desc=f"epoch {epoch + 1}/{args.epochs}", disable=rank != 0,
                   dynamic_ncols=True)
        for batch in bar:
            batch = {k: v.to(device, non_blocking=True) for k, v in batch.items()}
            batch["input"] = batch["input"].contiguous(memory_format=memory_format)
            with torch.autocast(device.type, dtype=amp_dtype, enabled=amp_dtype is not None):
                out = model(batch["input"])
            loss, parts = ctdet_loss(out, batch)
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            step += 1
            if rank == 0:
                vals = {k: v.item() for k, v in parts.items()}
                bar.set_postfix({k: f"{v:.3f}" for k, v in vals.items()}, refresh=False)
                for k, v in vals.items():
                    writer.add_scalar(f"train/{k}", v, step)
                writer.add_scalar("train/lr", lr, step)
            over = budget is not None and budget.is_spent(time.time() - t0)
            if rank0_values([float(over)], world, device)[0]:
                stopped = True
                break
        if not stopped:
            epoch += 1
            if budget is not None and epoch == 1 and start_epoch == 0:
                scale_schedule(args, *rank0_values(
                    [time.time() - t_epoch, budget.spent(time.time() - t0)], world, device))
        if rank == 0:
            save(checkpoint(model, optimizer, scaler, epoch, args, dset.classes,
                            seconds_before + time.time() - t0), last_path)
    if rank == 0:  # the schedule is done or the time budget spent
        save(checkpoint(model, optimizer, scaler, epoch, args, dset.classes,
                        seconds_before + time.time() - t0), final_path)
        writer.close()
    if world > 1:
        # no rank returns the final checkpoint before rank 0 has written it; the group ends
        # before the interpreter does (common/distributed.py)
        close_process_group()
    return final_path


def main(argv=None) -> None:
    args = parse_args(argv)
    try:
        path = train(args)
    except DataFormatError as e:
        sys.exit(f"error: {e}")
    if int(os.environ.get("RANK", "0")) == 0:
        print(f"checkpoint: {path}")


if __name__ == "__main__":
    main()
