"""Where or what? Split a CenterNet checkpoint's errors into localisation and classification.

    python -m centernet.diagnose --checkpoint W/model_final.pth --data-root DATA [--limit 80]

On the held-out images (the split ``centernet.test`` scores) it prints, over the ground-truth
objects (``difficult`` / ignored ones left out, as in training):

- **class-agnostic recall@0.5**: the share of objects with some detection, of any class, at
  IoU >= 0.5 (does the network know *where* objects are?);
- **class accuracy at centres**: the share of objects whose own heatmap cell (the peak of its
  training target) scores highest in its own class channel (does it know *what* they are?);
  chance is 1 / number of classes;
- the mean heatmap score of the right class at those cells.

A model with high recall and chance-level class accuracy has learned objectness only: the
focal loss pushes a wrong class down at an object's centre with a gradient of order p^3 (the
p^2 factor of its negative term), against order 1 for the right class, so class separation must
come from features that already differ between classes (an ImageNet backbone in the paper).
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import torch
from tqdm import tqdm

from centernet.data.datasets import DATASET_STATS, CtdetDataset, load_bgr, load_split
from centernet.predict import load_model, options_for, predict
from common.errors import DataFormatError
from common.eval.box_iou import box_iou


def diagnose(checkpoint: str, data_root: str, limit: int | None = None) -> dict[str, float]:
    """{"recall@0.5": r, "class_acc": a, "p_right": p, "objects": n, "chance": 1/C}."""
    model, state = load_model(checkpoint)
    data_name = state["config"]["data"]
    dset = load_split(data_name, data_root, train=False)
    stats = DATASET_STATS[data_name]
    targets = CtdetDataset(dset, state["config"]["input_size"], stats["mean"], stats["std"],
                           augment=False)
    opt = options_for(state)
    found, right, p_right = [], [], []
    n = min(limit or len(dset), len(dset))
    for i in tqdm(range(n), desc="diagnose"):
        s = dset.samples[i]
        dets = predict(model, load_bgr(s.path), opt, len(dset.classes))
        for box in s.boxes:
            found.append(len(dets) > 0 and box_iou(dets[:, :4], box).max() >= 0.5)
        item = targets[i]
        with torch.no_grad():
            hm = model(torch.from_numpy(item["input"])[None])["hm"][0].sigmoid().numpy()
        for c, y, x in zip(*np.nonzero(item["hm"] == 1), strict=True):
            right.append(hm[:, y, x].argmax() == c)
            p_right.append(hm[c, y, x])
    return {"recall@0.5": float(np.mean(found)), "class_acc": float(np.mean(right)),
            "p_right": float(np.mean(p_right)), "objects": len(right),
            "chance": 1.0 / len(dset.classes)}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m centernet.diagnose", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--data-root", required=True)
    p.add_argument("--limit", type=int, help="only the first N held-out images")
    args = p.parse_args(argv)
    try:
        r = diagnose(args.checkpoint, args.data_root, args.limit)
    except DataFormatError as e:
        sys.exit(f"error: {e}")
    print(f"class-agnostic recall@0.5 {r['recall@0.5']:.3f}; class accuracy at centres "
          f"{r['class_acc']:.3f} (chance {r['chance']:.3f}); mean right-class score "
          f"{r['p_right']:.3f}; {r['objects']} objects")


if __name__ == "__main__":
    main()
