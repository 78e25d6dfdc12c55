"""A tiny VOC-layout dataset of coloured rectangles, written once per test session."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from common.voc import VocAnnotation, VocObject, write_annotation, write_image_set

COLORS = {"car": (220, 40, 40), "dog": (40, 200, 60), "person": (40, 60, 230)}


def make_voc(root: Path, num: int = 6, size=(96, 80), seed: int = 0) -> list[VocAnnotation]:
    """``num`` images (W x H = size) with 1-2 flat rectangles each; ids 000000.. split 4:2."""
    rng = np.random.default_rng(seed)
    w, h = size
    anns, ids = [], []
    for i in range(num):
        img = np.full((h, w, 3), 120, np.uint8)
        objs = []
        for _ in range(1 + i % 2):
            name = list(COLORS)[rng.integers(len(COLORS))]
            bw, bh = rng.integers(20, 40), rng.integers(20, 36)
            x1, y1 = rng.integers(0, w - bw), rng.integers(0, h - bh)
            img[y1:y1 + bh, x1:x1 + bw] = COLORS[name]
            # VOC is 1-based inclusive: columns x1..x1+bw-1 -> xmin x1+1, xmax x1+bw
            objs.append(VocObject(name, (x1 + 1, y1 + 1, x1 + bw, y1 + bh)))
        vid = f"{i:06d}"
        Image.fromarray(img).save(root / "VOC2007" / "JPEGImages" / f"{vid}.png")
        ann = VocAnnotation(f"{vid}.png", w, h, objs)
        write_annotation(root / "VOC2007" / "Annotations" / f"{vid}.xml", ann)
        anns.append(ann)
        ids.append(vid)
    write_image_set(root, "VOC2007", "trainval", ids[: num - 2])
    write_image_set(root, "VOC2007", "test", ids[num - 2:])
    return anns


@pytest.fixture(scope="session")
def tiny_voc(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("voc")
    (root / "VOC2007" / "JPEGImages").mkdir(parents=True)
    make_voc(root)
    return root


@pytest.fixture(scope="session")
def tiny_checkpoint(tiny_voc, tmp_path_factory) -> Path:
    """A ResNet-18 trained one epoch at 64 px on tiny_voc (weights barely trained)."""
    from centernet.train import main

    work = tmp_path_factory.mktemp("train")
    main(["--data-root", str(tiny_voc), "--work-dir", str(work), "--input-size", "64",
          "--batch-size", "2", "--epochs", "1", "--workers", "0"])
    return work / "model_final.pth"
