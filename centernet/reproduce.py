"""Synthetic benchmark: train ResNet-18 CenterNet (skip neck) or DLA-34 on synthetic VOC (at 256)
or synthetic KITTI (at 160x512) within a time budget, evaluate on the held-out split, save a
results record and sample images.

    python -m common.synth voc DATA/synth_voc
    python -m centernet.reproduce --data-root DATA/synth_voc --work-dir W --minutes 15

    python -m common.synth kitti DATA/synth_kitti
    python -m centernet.reproduce --dataset kitti --data-root DATA/synth_kitti --work-dir W

VOC: VOC07 mAP@0.5. KITTI: the train / val splits become COCO json in W/kitti/ (see
centernet.prepare), the val detections one KITTI result file per frame in W/kitti_results/
(the 2D boxes ``deep3dbox.predict --boxes`` lifts to 3D), scored by common.eval.kitti (2D bbox
AP40 / AP11). Writes W/train/ (checkpoints, TensorBoard), W/results.json, W/sample.png,
W/sample_heatmap.png and W/sample_gradcam.png (the best detection's Grad-CAM). Re-running
resumes training and reuses finished stages.
"""

from __future__ import annotations

import argparse
import sys

from centernet import demo, test, train
from centernet import prepare as kitti_prepare
from centernet.data.datasets import load_split
from centernet.models.resnet import NECKS
from common.cli import command_line, reproduce_parser
from common.errors import DataFormatError
from common.results import load_record, save_record

# Deviations from the official recipe for a 15-minute CPU run from random weights, one line each:
# 256 px on VOC (official 384) and 160x512 on KITTI (official 384x1280 x 0.4, still a whole
# frame): more steps in the budget; batch 8 and Adam lr 1e-3 (official 32 and 1.25e-4 for tens
# of thousands of steps from ImageNet weights); ResNet-18 with the skip neck (see
# centernet.models.resnet); bfloat16 autocast where the CPU has it natively.
DEFAULT_SIZE = {"voc": 256, "kitti": (160, 512)}


def main(argv=None) -> None:
    p = reproduce_parser("centernet.reproduce", __doc__,
                         "output of `python -m common.synth voc` (or `kitti`), or a real root",
                         15.0)
    p.add_argument("--dataset", choices=("voc", "kitti"), default="voc")
    p.add_argument("--arch", default="res18", choices=("res18", "dla34"))
    p.add_argument("--neck", choices=NECKS, default="skip",
                   help="res18's neck: skip (default here: training starts from random "
                        "weights) or official (the paper's plain up-convolutions)")
    p.add_argument("--input-size", type=train.input_size_arg,
                   help="S or HxW; default 256 (voc; official 384), 160x512 (kitti: the "
                   "official 384x1280 scaled by 0.4 for the CPU, still holding a whole frame)")
    p.add_argument("--batch-size", type=int, default=8,
                   help="small batches: more Adam steps in the short CPU budget")
    p.add_argument("--lr", type=float, default=1e-3,
                   help="Adam lr (official: 1.25e-4 x batch / 32 with an ImageNet backbone and "
                        "tens of thousands of steps; the synthetic-data run starts from random "
                        "weights and gets a few hundred steps, so much higher)")
    p.add_argument("--head-conv", type=train.positive_int,
                   help="heads' 3x3 conv width (default: official)")
    p.add_argument("--per-channel-up", action="store_true",
                   help="res18: per-channel bilinear init of the neck deconvs "
                        "(see centernet.train)")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--no-amp", action="store_true", help="train in float32 (default: bf16 "
                   "autocast on a CPU with native bfloat16, float16 on CUDA, else float32)")
    args = p.parse_args(argv)
    work = args.work_dir
    record_path = work / "results.json"
    input_size = train.format_size(args.input_size or DEFAULT_SIZE[args.dataset])
    try:
        data_root = args.data_root
        if args.dataset == "kitti":
            data_root = str(kitti_prepare.prepare(args.data_root, work / "kitti"))
        ckpt = train.train(train.parse_args(command_line(
            data=args.dataset, data_root=data_root, arch=args.arch, work_dir=work / "train",
            input_size=input_size, batch_size=args.batch_size, minutes=args.minutes,
            workers=args.workers, lr=args.lr, amp=not args.no_amp, head_conv=args.head_conv,
            per_channel_up=args.per_channel_up,
            neck=args.neck if args.arch == "res18" else None)))
        if not record_path.exists() or record_path.stat().st_mtime < ckpt.stat().st_mtime:
            record = test.evaluate(test.build_parser().parse_args(command_line(
                checkpoint=ckpt, data_root=data_root, dataset_name=f"synth-{args.dataset}",
                kitti_results=work / "kitti_results")))
            record.paper, record.paper_source = None, ""  # synthetic data: no published figure
            record.notes += f"; synthetic-data benchmark, {args.minutes:g} min training budget"
            save_record(record, record_path)
        record = load_record(record_path)
        sample = load_split(args.dataset, data_root, train=False).samples[0].path
        if not (work / "sample.png").exists():
            for path in demo.run(argparse.Namespace(input=str(sample), checkpoint=str(ckpt),
                                                    out=str(work), threshold=0.3,
                                                    heatmap=True, flip=False, gradcam=0)):
                path.replace(work / path.name.replace(sample.stem, "sample"))
    except DataFormatError as e:
        sys.exit(f"error: {e}")
    main_metrics = {k: v for k, v in record.metrics.items() if "/" not in k}
    print(", ".join(f"{k} {v:.2f}" for k, v in main_metrics.items()), f"-> {record_path}")


if __name__ == "__main__":
    main()
