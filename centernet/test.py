"""Evaluate a CenterNet checkpoint: VOC07 mAP@0.5, COCO AP or KITTI 2D box AP (through
common.eval), timing, and a results record.

    python -m centernet.test --checkpoint W/model_final.pth --data-root DATA [--flip]

The dataset (voc / coco / kitti) and input size come from the checkpoint. Writes
``--out`` (default: next to the checkpoint, results.json) as a common.results.ResultRecord; on
KITTI also one result file per val frame (``--kitti-results``), the input of
``deep3dbox.predict --boxes``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from centernet.data.datasets import DetectionSet, load_bgr, load_split
from centernet.models import HEAD_CONV
from centernet.predict import load_model, options_for, predict
from centernet.train import format_size
from common.coco import detections_to_coco
from common.errors import DataFormatError
from common.results import DATASETS, ResultRecord, make_record, save_record

# Published figures of the same settings (official MODEL_ZOO.md; DCN models, COCO val2017 at 512
# after 140 epochs: no aug / flip / multi-scale 0.5-1.5 with keep_res; VOC 2007 test at 384 after
# 70 epochs, flip test): (data, arch, dcn, input, flip, multi-scale) -> metrics.
PAPER = {
    ("coco", "res18", True, 512, False, False): {"AP": 28.1},
    ("coco", "res18", True, 512, True, False): {"AP": 30.0},
    ("coco", "res18", True, 512, True, True): {"AP": 33.2},
    ("coco", "dla34", True, 512, False, False): {"AP": 36.3},
    ("coco", "dla34", True, 512, True, False): {"AP": 38.2},
    ("coco", "dla34", True, 512, True, True): {"AP": 40.7},
    ("voc", "res18", True, 384, True, False): {"mAP@0.5": 72.6},
    ("voc", "dla34", True, 384, True, False): {"mAP@0.5": 79.3},
}
PAPER_SOURCE = ("xingyizhou/CenterNet readme/MODEL_ZOO.md (ctdet_coco_resdcn18, ctdet_coco_dla_1x, "
                "ctdet_pascal_resdcn18_384, ctdet_pascal_dla_384)")
# The split each dataset is scored on: VOC2007 test, COCO val2017, KITTI val.
SPLIT = {"voc": "test", "coco": "val", "kitti": "val"}


def detect_all(model, dset: DetectionSet, opt, limit: int | None = None
               ) -> tuple[list[dict], float]:
    """COCO-style result dicts for every image, and mean ms per image (forward + decode)."""
    results, seconds = [], 0.0
    samples = dset.samples[:limit] if limit else dset.samples
    for s in tqdm(samples, desc="test"):
        img = load_bgr(s.path)
        t = time.perf_counter()
        dets = predict(model, img, opt, len(dset.classes))
        seconds += time.perf_counter() - t
        results += detections_to_coco(np.full(len(dets), s.image_id), dets[:, :4], dets[:, 4],
                                      dets[:, 5].astype(int), dset.category_ids)
    return results, 1000 * seconds / max(1, len(samples))


def voc_style(dset: DetectionSet, results: list[dict], image_ids: list[int]
              ) -> tuple[list[dict], list[dict]]:
    """Per-image ground truth and detections for common.eval.voc, in VOC's 1-based inclusive
    pixels: a continuous box (x1, y1, x2, y2) covers pixels x1 + 1 .. x2."""
    def to_voc(xywh):
        b = np.asarray(xywh, np.float64).reshape(-1, 4)
        return np.stack([b[:, 0] + 1, b[:, 1] + 1, b[:, 0] + b[:, 2], b[:, 1] + b[:, 3]], 1)

    name = dict(zip(dset.category_ids, dset.classes, strict=True))
    gt_of = {i: [] for i in image_ids}
    det_of = {i: [] for i in image_ids}
    for a in dset.coco["annotations"]:
        if a["image_id"] in gt_of:
            gt_of[a["image_id"]].append(a)
    for r in results:
        det_of[r["image_id"]].append(r)
    gts = [{"boxes": to_voc([a["bbox"] for a in gt_of[i]]),
            "labels": [name[a["category_id"]] for a in gt_of[i]],
            "difficult": [bool(a.get("difficult", 0)) for a in gt_of[i]]} for i in image_ids]
    dets = [{"boxes": to_voc([r["bbox"] for r in det_of[i]]),
             "labels": [name[r["category_id"]] for r in det_of[i]],
             "scores": [r["score"] for r in det_of[i]]} for i in image_ids]
    return gts, dets


def kitti_metrics(dset: DetectionSet, results: list[dict], image_ids: list[int],
                  label_dir: Path, out_dir: Path) -> tuple[dict[str, float], str]:
    """Write ``out_dir/ID.txt`` KITTI result files of ``image_ids`` (common.kitti.coco) and score
    their 2D boxes against ``label_dir`` with common.eval.kitti (devkit rules, IoU 0.7 Car /
    0.5 Pedestrian, Cyclist): ``{cls}/bbox/AP40|AP11/{easy,moderate,hard}`` in percent and the
    class mean ``bbox_AP40_moderate`` (classes without ground truth left out), and the n/a note
    of the cells left out for too few valid ground-truth objects ("" when none)."""
    from common.eval import kitti as kitti_eval
    from common.kitti.coco import coco_detections_to_kitti

    keep = set(image_ids)
    images = [i for i in dset.coco["images"] if i["id"] in keep]
    paths = coco_detections_to_kitti(results, images, out_dir, dset.classes)
    gts, dts, _ = kitti_eval.load_folder(label_dir, out_dir, [p.stem for p in paths])
    res = kitti_eval.evaluate(gts, dts, dset.classes, metrics=("bbox",))
    counts = kitti_eval.valid_gt_counts(gts, dset.classes)
    metrics = kitti_eval.flatten_result(res, counts)
    names = np.concatenate([g["name"] for g in gts]) if gts else np.zeros(0, str)
    moderate = [res[cls]["bbox"]["AP40"][1] for cls in res if np.any(names == cls)]
    metrics["bbox_AP40_moderate"] = float(np.mean(moderate)) if moderate else 0.0
    return metrics, kitti_eval.na_note(counts)


def compute_metrics(dset: DetectionSet, results: list[dict], data: str,
                    image_ids: list[int]) -> dict[str, float]:
    """VOC07 11-point mAP@0.5 in percent (difficult ignored; the official CenterNet VOC
    evaluation) or COCO AP metrics in percent, both through common.eval."""
    if data == "voc":
        from common.eval import voc

        gts, dets = voc_style(dset, results, image_ids)
        out = voc.evaluate(gts, dets, dset.classes, iou_thr=0.5, use_07_metric=True)
        return {"mAP@0.5": out["mAP"] or 0.0,
                **{f"AP@0.5/{c}": v for c, v in out["AP"].items() if v is not None}}
    from common.coco import coco_from_dict
    from common.eval import coco

    keep = set(image_ids)
    gt = {**dset.coco, "images": [i for i in dset.coco["images"] if i["id"] in keep],
          "annotations": [a for a in dset.coco["annotations"] if a["image_id"] in keep]}
    return {k: v for k, v in coco.evaluate(coco_from_dict(gt), results).items() if v is not None}


def evaluate(args) -> ResultRecord:
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model, state = load_model(args.checkpoint, device)
    cfg = state["config"]
    opt = options_for(state, args.flip, args.scales, args.keep_res)
    dset = load_split(cfg["data"], args.data_root, train=False)
    if list(dset.classes) != list(state["classes"]):
        raise DataFormatError(args.data_root, f"expected the classes the model was trained on, "
                                              f"got {len(dset.classes)} different ones")
    results, ms = detect_all(model, dset, opt, args.limit)
    ids = [s.image_id for s in (dset.samples[:args.limit] if args.limit else dset.samples)]
    notes = f"{state['epoch']} epochs; scales {list(args.scales)}; device {device}"
    if cfg["data"] == "kitti":
        out = Path(args.kitti_results or Path(args.checkpoint).parent / "kitti_results")
        metrics, na = kitti_metrics(dset, results, ids, Path(args.data_root) / "label_2", out)
        notes += f"; {na}" if na else ""
    else:
        metrics = compute_metrics(dset, results, cfg["data"], ids)
    name = f"{cfg['arch']}{'_dcn' if cfg['dcn'] else ''}_{format_size(cfg['input_size'])}"
    head_conv = cfg.get("head_conv", HEAD_CONV[cfg["arch"]])
    wide, pcup = head_conv != HEAD_CONV[cfg["arch"]], cfg.get("per_channel_up", False)
    skip = cfg.get("neck", "official") == "skip"
    name += (f"_hc{head_conv}" if wide else "") + ("_pcup" if pcup else "") + \
        ("_skip" if skip else "")
    official = not (wide or pcup or skip)  # only the official network has a paper figure
    paper = PAPER.get((cfg["data"], cfg["arch"], cfg["dcn"], cfg["input_size"], args.flip,
                       len(args.scales) > 1)) if official else None
    return make_record(
        model="CenterNet", config=name + ("_flip" if args.flip else ""),
        dataset=args.dataset_name or cfg["data"],
        split=SPLIT[cfg["data"]], task="2d",
        metrics=metrics, paper=paper, paper_source=PAPER_SOURCE if paper else "",
        params=sum(p.numel() for p in model.parameters()),
        train_seconds=state.get("train_seconds"), infer_ms_per_image=ms,
        notes=notes)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m centernet.test", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--data-root", required=True)
    p.add_argument("--flip", action="store_true", help="flip test (average with mirror)")
    p.add_argument("--scales", type=lambda s: tuple(float(v) for v in s.split(",")),
                   default=(1.0,), help="test scales, e.g. 0.5,0.75,1,1.25,1.5 (use --keep-res)")
    p.add_argument("--keep-res", action="store_true",
                   help="keep the image resolution (pad to 32) instead of the fixed input size")
    p.add_argument("--limit", type=int, help="evaluate only the first N images")
    p.add_argument("--dataset-name", choices=DATASETS,
                   help="dataset name for the record (default voc / coco / kitti)")
    p.add_argument("--kitti-results", help="KITTI: folder of the per-frame result files "
                   "(default CHECKPOINT_DIR/kitti_results)")
    p.add_argument("--out", help="results record path (default CHECKPOINT_DIR/results.json)")
    return p


def main(argv=None) -> None:
    args = build_parser().parse_args(argv)
    try:
        record = evaluate(args)
    except DataFormatError as e:
        sys.exit(f"error: {e}")
    out = Path(args.out or Path(args.checkpoint).parent / "results.json")
    save_record(record, out)
    print(", ".join(f"{k} {v:.2f}" for k, v in record.metrics.items() if "/" not in k),
          f"| {record.infer_ms_per_image:.1f} ms/image -> {out}")


if __name__ == "__main__":
    main()
