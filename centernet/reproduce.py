"""Embedded benchmark: train ResNet-18 CenterNet at 384 on the synthetic VOC data within a time
budget, evaluate VOC07 mAP@0.5 on its held-out split, save a results record and sample images.

    python -m common.synth voc DATA/synth_voc
    python -m centernet.reproduce --data-root DATA/synth_voc --work-dir W --minutes 15

Writes W/train/ (checkpoints, TensorBoard), W/results.json, W/sample.png and
W/sample_heatmap.png. Re-running resumes training and reuses finished stages.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from centernet import demo, test, train
from centernet.data.datasets import VOC_TEST, DetectionSet
from common.errors import DataFormatError
from common.results import load_record, save_record


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m centernet.reproduce", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-root", required=True, help="output of `python -m common.synth voc`")
    p.add_argument("--work-dir", required=True)
    p.add_argument("--minutes", type=float, default=15.0, help="training time budget")
    p.add_argument("--arch", default="res18", choices=("res18", "dla34"))
    p.add_argument("--input-size", type=int, default=384)
    p.add_argument("--batch-size", type=int, default=8,
                   help="small batches: more Adam steps in the short CPU budget")
    p.add_argument("--lr", type=float, default=1e-3,
                   help="Adam lr (official: 1.25e-4 x batch / 32 with an ImageNet backbone and "
                        "tens of thousands of steps; the embedded run starts from random "
                        "weights and gets a few hundred steps, so much higher)")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--no-amp", action="store_true", help="train in float32 (default: bf16 "
                   "autocast on CPU, float16 on CUDA)")
    args = p.parse_args(argv)
    work = Path(args.work_dir)
    record_path = work / "results.json"
    try:
        train_argv = ["--data", "voc", "--data-root", args.data_root, "--arch", args.arch,
                      "--work-dir", str(work / "train"), "--input-size", str(args.input_size),
                      "--batch-size", str(args.batch_size), "--minutes", str(args.minutes),
                      "--workers", str(args.workers), "--lr", str(args.lr)]
        if not args.no_amp:
            train_argv.append("--amp")
        ckpt = train.train(train.parse_args(train_argv))
        if not record_path.exists() or record_path.stat().st_mtime < ckpt.stat().st_mtime:
            record = test.evaluate(test.build_parser().parse_args(
                ["--checkpoint", str(ckpt), "--data-root", args.data_root,
                 "--dataset-name", "synth-voc"]))
            record.paper, record.paper_source = None, ""  # synthetic data: no published figure
            record.notes += f"; embedded benchmark, {args.minutes:g} min training budget"
            save_record(record, record_path)
        record = load_record(record_path)
        sample = DetectionSet.voc(args.data_root, VOC_TEST).samples[0].path
        if not (work / "sample.png").exists():
            for path in demo.run(argparse.Namespace(input=str(sample), checkpoint=str(ckpt),
                                                    out=str(work), threshold=0.3,
                                                    heatmap=True, flip=False)):
                path.replace(work / path.name.replace(sample.stem, "sample"))
    except DataFormatError as e:
        sys.exit(f"error: {e}")
    main_metrics = {k: v for k, v in record.metrics.items() if "/" not in k}
    print(", ".join(f"{k} {v:.2f}" for k, v in main_metrics.items()), f"-> {record_path}")


if __name__ == "__main__":
    main()
