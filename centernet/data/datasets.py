"""Detection datasets for ctdet: VOC, COCO and KITTI json through common/, and the training sample.

A :class:`DetectionSet` is a list of images with their boxes (COCO json underneath, so every
dataset evaluates through common.eval). :class:`CtdetDataset` turns it into network inputs and
targets exactly like the official src/lib/datasets/sample/ctdet.py.

Annotations marked ``ignore: 1`` (the DontCare / neighbouring-class regions of
``common.kitti.coco``) are no objects: they become ignore regions of the heatmap, as the
official KITTI loader does (src/lib/datasets/sample/ddd.py, ``cls_id < 0``). COCO's own
``iscrowd`` boxes carry no ``ignore`` key and stay training objects, as in official ctdet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import numpy as np
import torch

from centernet.data.augment import affine_matrix, apply_affine, color_aug, random_crop, warp_image
from centernet.models import DOWN_RATIO
from centernet.targets import build_targets
from common.coco import check_coco_dict
from common.errors import DataFormatError
from common.io import read_image

# Official per-dataset statistics (src/lib/datasets/dataset/pascal.py, coco.py) and resolution.
# Both are applied to BGR images as in the original (cv2.imread); pascal's are ImageNet's RGB
# numbers, a quirk kept as is.
DATASET_STATS = {
    "voc": {"mean": (0.485, 0.456, 0.406), "std": (0.229, 0.224, 0.225), "input_size": 384},
    "coco": {"mean": (0.40789654, 0.44719302, 0.47026115),
             "std": (0.28863828, 0.27408164, 0.27809835), "input_size": 512},
    # src/lib/datasets/dataset/kitti.py: ImageNet mean/std, default_resolution [384, 1280] (h, w)
    "kitti": {"mean": (0.485, 0.456, 0.406), "std": (0.229, 0.224, 0.225),
              "input_size": (384, 1280)},
}
VOC_TRAIN = (("VOC2007", "trainval"), ("VOC2012", "trainval"))
VOC_TEST = (("VOC2007", "test"),)


def input_hw(input_size) -> tuple[int, int]:
    """Network input (height, width) of an ``input_size`` given as S (square) or (H, W)."""
    if isinstance(input_size, int):
        return input_size, input_size
    height, width = input_size
    return int(height), int(width)


@dataclass
class Sample:
    """One image: ``boxes`` (N, 4) x1, y1, x2, y2 continuous pixels, ``labels`` (N,) 0-based;
    ``ignore_boxes`` (M, 4) / ``ignore_labels`` (M,) the regions marked ``ignore: 1``."""

    image_id: int
    path: Path
    boxes: np.ndarray
    labels: np.ndarray
    ignore_boxes: np.ndarray = field(default_factory=lambda: np.zeros((0, 4), np.float32))
    ignore_labels: np.ndarray = field(default_factory=lambda: np.zeros((0,), np.int64))


class DetectionSet:
    """Images + boxes from a COCO-format dict; ``coco`` keeps the dict for evaluation."""

    def __init__(self, coco: dict, image_root: str | PathLike, source: str = "<dict>"):
        check_coco_dict(coco, source)
        self.coco = coco
        cats = sorted(coco["categories"], key=lambda c: c["id"])
        self.category_ids = [c["id"] for c in cats]
        self.classes = tuple(c["name"] for c in cats)
        label_of = {cid: i for i, cid in enumerate(self.category_ids)}
        per_image: dict[int, list] = {img["id"]: [] for img in coco["images"]}
        for ann in coco["annotations"]:
            per_image.setdefault(ann["image_id"], []).append(ann)
        self.samples = []

        def arrays(anns):
            boxes = np.array([[a["bbox"][0], a["bbox"][1], a["bbox"][0] + a["bbox"][2],
                               a["bbox"][1] + a["bbox"][3]] for a in anns],
                             dtype=np.float32).reshape(-1, 4)
            return boxes, np.array([label_of[a["category_id"]] for a in anns], dtype=np.int64)

        for img in coco["images"]:
            anns = per_image[img["id"]]
            objects = arrays([a for a in anns if a.get("ignore", 0) != 1])
            ignored = arrays([a for a in anns if a.get("ignore", 0) == 1])
            self.samples.append(Sample(img["id"], Path(image_root) / img["file_name"],
                                       *objects, *ignored))

    def __len__(self) -> int:
        return len(self.samples)

    @classmethod
    def voc(cls, root: str | PathLike, splits) -> DetectionSet:
        """VOC splits, e.g. VOC_TRAIN (07+12 trainval, those present) or VOC_TEST (07 test)."""
        from common.voc import voc_to_coco, year_root

        present = []
        for year_dir, split in splits:
            try:
                year_root(root, year_dir)
                present.append((year_dir, split))
            except DataFormatError:
                continue
        if not present:
            raise DataFormatError(root, f"expected a VOC root holding one of "
                                        f"{[y for y, _ in splits]}")
        return cls(voc_to_coco(root, present), root, str(root))

    @classmethod
    def coco_json(cls, ann_file: str | PathLike, image_root: str | PathLike) -> DetectionSet:
        """A COCO annotation file and the folder its ``file_name``s are relative to."""
        from common.coco import load_coco

        return cls(load_coco(ann_file).dataset, image_root, str(ann_file))


def coco_split(root: str | PathLike, split: str) -> DetectionSet:
    """COCO 2017 layout: ROOT/annotations/instances_{split}.json and ROOT/{split}/ images."""
    root = Path(root)
    return DetectionSet.coco_json(root / "annotations" / f"instances_{split}.json", root / split)


def kitti_split(root: str | PathLike, split: str) -> DetectionSet:
    """CenterNet's KITTI layout (see centernet.prepare.prepare): ROOT/annotations/
    kitti_{split}.json (common.kitti.coco) and ROOT/images/, KITTI's training/image_2."""
    root = Path(root)
    return DetectionSet.coco_json(root / "annotations" / f"kitti_{split}.json", root / "images")


def load_split(data: str, root: str | PathLike, train: bool) -> DetectionSet:
    """The training or test set of ``data`` ("voc": 07+12 trainval / 07 test, "coco":
    train2017 / val2017, "kitti": train / val)."""
    if data == "voc":
        return DetectionSet.voc(root, VOC_TRAIN if train else VOC_TEST)
    if data == "coco":
        return coco_split(root, "train2017" if train else "val2017")
    if data == "kitti":
        return kitti_split(root, "train" if train else "val")
    raise ValueError(f"unknown dataset {data!r}, expected voc, coco or kitti")


def load_bgr(path: Path) -> np.ndarray:
    """(H, W, 3) uint8 in the official BGR order (cv2.imread)."""
    return np.ascontiguousarray(read_image(path)[:, :, ::-1])


def normalize(img: np.ndarray, mean, std) -> np.ndarray:
    """(H, W, 3) float in [0, 1] -> (3, H, W) float32 standardised."""
    img = (img - np.asarray(mean, np.float32)) / np.asarray(std, np.float32)
    return np.ascontiguousarray(img.transpose(2, 0, 1), dtype=np.float32)


class CtdetDataset(torch.utils.data.Dataset):
    """Training samples: {"input": (3, H, W), "hm": (C, H/4, W/4), "wh", "reg", "ind",
    "reg_mask"} (see centernet.targets.build_targets); ``input_size`` S or (H, W)."""

    def __init__(self, dset: DetectionSet, input_size: int, mean, std, augment: bool = True,
                 flip: float = 0.5, color: bool = True, corrected_radius: bool = False,
                 seed: int = 0):
        self.dset, self.input_size, self.mean, self.std = dset, input_size, mean, std
        self.augment, self.flip, self.color = augment, flip, color
        self.corrected_radius = corrected_radius
        self.seed = seed
        self.epoch = 0

    def __len__(self) -> int:
        return len(self.dset)

    def __getitem__(self, index: int) -> dict[str, np.ndarray]:
        rng = np.random.default_rng((self.seed, self.epoch, index))
        s = self.dset.samples[index]
        img = load_bgr(s.path)
        height, width = img.shape[:2]
        boxes, ignore = s.boxes.copy(), s.ignore_boxes.copy()
        center = np.array([width / 2.0, height / 2.0], dtype=np.float32)
        side = float(max(height, width))
        if self.augment:
            center, side = random_crop(rng, width, height)
            if rng.random() < self.flip:
                img = img[:, ::-1]
                center[0] = width - center[0] - 1
                boxes[:, [0, 2]] = width - boxes[:, [2, 0]] - 1
                ignore[:, [0, 2]] = width - ignore[:, [2, 0]] - 1
        size = input_hw(self.input_size)
        inp = warp_image(np.ascontiguousarray(img), affine_matrix(center, side, size),
                         size).astype(np.float32) / 255.0
        if self.augment and self.color:
            color_aug(rng, inp)
        out = (size[0] // DOWN_RATIO, size[1] // DOWN_RATIO)
        trans_out = affine_matrix(center, side, out)

        def to_out(b):
            return np.concatenate([apply_affine(b[:, :2], trans_out),
                                   apply_affine(b[:, 2:], trans_out)], axis=1)

        targets = build_targets(to_out(boxes), s.labels, len(self.dset.classes), out,
                                corrected_radius=self.corrected_radius,
                                ignore_boxes=to_out(ignore), ignore_labels=s.ignore_labels)
        return {"input": normalize(inp, self.mean, self.std), **targets}


def inference_inputs(img_bgr: np.ndarray, input_size: int, mean, std, scale: float = 1.0,
                keep_res: bool = False, flip: bool = False) -> tuple[torch.Tensor, dict]:
    """Network input of one test image at one scale (official ctdet pre_process).

    Default: the whole image fitted into the input (S x S, or H x W for ``input_size`` (H, W);
    centre, side max(H, W) mapped onto the input width as in the official pre_process).
    keep_res: the image resized by ``scale`` and padded to a multiple of 32. Returns (1 or 2
    with flip, 3, h, w) and meta {"center", "side", "output_size"} for
    centernet.decode.to_image_coords.
    """
    height, width = img_bgr.shape[:2]
    if keep_res:
        new_h, new_w = int(height * scale), int(width * scale)
        inp_h, inp_w = (new_h | 31) + 1, (new_w | 31) + 1
        center = np.array([new_w // 2, new_h // 2], dtype=np.float32) / scale
        side = inp_w / scale
    else:
        inp_h, inp_w = input_hw(input_size)
        center = np.array([width / 2.0, height / 2.0], dtype=np.float32)
        side = float(max(height, width))
    inp = warp_image(img_bgr, affine_matrix(center, side, (inp_h, inp_w)), (inp_h, inp_w))
    x = torch.from_numpy(normalize(inp.astype(np.float32) / 255.0, mean, std))[None]
    if flip:
        x = torch.cat([x, x.flip(3)], 0)
    meta = {"center": center, "side": side,
            "output_size": (inp_h // DOWN_RATIO, inp_w // DOWN_RATIO)}
    return x, meta
