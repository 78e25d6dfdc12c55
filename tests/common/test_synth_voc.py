"""Synthetic VOC: re-read with common.voc; boxes fit their images and their objects."""

import numpy as np
import pytest

from common.io import read_image
from common.synth import generate
from common.synth.voc import CLASS_LOOKS
from common.voc import VOC_CLASSES, read_annotation, read_image_set, voc_to_coco

NUM = 60


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    out = tmp_path_factory.mktemp("voc")
    generate("voc", out, NUM, seed=0, progress=False)
    return out


@pytest.fixture(scope="module")
def samples(root):
    ids = read_image_set(root, "VOC2007", "trainval") + read_image_set(root, "VOC2007", "test")
    d = root / "VOC2007"
    return [
        (read_annotation(d / "Annotations" / f"{i}.xml"), read_image(d / "JPEGImages" / f"{i}.jpg"))
        for i in ids
    ]


def test_splits(root):
    sets = {s: read_image_set(root, "VOC2007", s) for s in ("train", "val", "trainval", "test")}
    assert len(sets["test"]) == 12 and len(sets["trainval"]) == 48
    assert sorted(sets["train"] + sets["val"]) == sets["trainval"]
    assert not set(sets["trainval"]) & set(sets["test"])
    assert sorted(sets["trainval"] + sets["test"]) == [f"{i:06d}" for i in range(1, NUM + 1)]


def test_annotations_match_images(samples):
    for ann, img in samples:
        assert img.shape == (ann.height, ann.width, 3)
        assert 300 <= ann.height <= 500 and 300 <= ann.width <= 500
        assert ann.objects
        for o in ann.objects:
            x1, y1, x2, y2 = o.bbox
            assert 1 <= x1 <= x2 <= ann.width and 1 <= y1 <= y2 <= ann.height


def test_every_class_appears_and_some_are_difficult(samples):
    objs = [o for ann, _ in samples for o in ann.objects]
    assert {o.name for o in objs} == set(VOC_CLASSES)
    difficult = [o for o in objs if o.difficult]
    assert 0 < len(difficult) < 0.3 * len(objs)
    assert any(o.truncated for o in objs)
    big = [max(o.bbox[2] - o.bbox[0], o.bbox[3] - o.bbox[1]) for o in objs if not o.difficult]
    assert np.median(big) > 100  # mostly large objects


def test_class_colour_is_in_its_box(samples):
    """Images with one whole object: the pixels of the class colour lie in the labelled box (so
    the box is where the object is) and fill a good part of it."""
    checked = 0
    for ann, img in samples:
        if len(ann.objects) != 1 or ann.objects[0].truncated:
            continue
        o = ann.objects[0]
        x1, y1, x2, y2 = (int(v) - 1 for v in o.bbox)  # VOC boxes are 1-based
        near = np.linalg.norm(img.astype(float) - CLASS_LOOKS[o.name][1], axis=2) < 60
        inside = near[y1 : y2 + 1, x1 : x2 + 1].sum()
        assert inside >= 0.15 * (x2 - x1 + 1) * (y2 - y1 + 1), o
        assert inside >= 0.95 * near.sum(), o
        checked += 1
    assert checked >= 5


def test_converts_to_coco(root):
    coco = voc_to_coco(root, splits=[("VOC2007", "test")])
    assert len(coco["images"]) == 12 and len(coco["categories"]) == 20
    assert coco["annotations"] and all(
        a["bbox"][2] > 0 and a["bbox"][3] > 0 for a in coco["annotations"]
    )
