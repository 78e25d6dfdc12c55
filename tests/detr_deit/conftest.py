"""Tiny hand-made datasets (ScanNet frames-25k layout, VOC layout) with known boxes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from common.io import atomic_write_text
from common.scannet import write_frame, write_matrix4
from detr_deit import CONFIG_DIR

H, W = 96, 128
CHAIR, TABLE, PICTURE, BLINDS = 5, 7, 11, 13  # NYU40 ids (blinds is not a ScanNet-20 class)

# scene -> frame id -> [(nyu40 id, instance id, x1, y1, x2, y2)], boxes exclusive of x2/y2.
SCANNET_FRAMES = {
    "scene0000_00": {
        "0": [(CHAIR, 1, 10, 20, 40, 60), (TABLE, 2, 60, 50, 110, 90),
              (PICTURE, 3, 100, 5, 105, 10),  # 25 pixels < min_area 100: dropped
              (BLINDS, 4, 0, 0, 8, 90)],  # not a ScanNet-20 class: dropped
        "100": [(CHAIR, 1, 30, 10, 70, 50)],
    },
    "scene0001_00": {"0": [(TABLE, 1, 20, 30, 100, 80)]},
}
SPLITS = {"train": ["scene0000_00"], "val": ["scene0001_00"]}


def draw_frame(objects, rng: np.random.Generator):
    """Colour image, NYU40 label and instance images with each object painted as a rectangle."""
    color = np.full((H, W, 3), 90, np.uint8)
    label = np.zeros((H, W), np.int64)
    instance = np.zeros((H, W), np.int64)
    for nyu, inst, x1, y1, x2, y2 in objects:
        color[y1:y2, x1:x2] = rng.integers(0, 255, 3)
        label[y1:y2, x1:x2] = nyu
        instance[y1:y2, x1:x2] = inst
    return color, label, instance


def write_scannet(root: Path) -> Path:
    rng = np.random.default_rng(0)
    for scene, frames in SCANNET_FRAMES.items():
        write_matrix4(root / scene / "intrinsics_color.txt", np.eye(4))
        for frame_id, objects in frames.items():
            color, label, instance = draw_frame(objects, rng)
            write_frame(root / scene, frame_id, color, np.ones((H, W)), label, instance,
                        np.eye(4))
    for split, scenes in SPLITS.items():
        atomic_write_text(root / "splits" / f"{split}.txt", "".join(s + "\n" for s in scenes))
    return root


@pytest.fixture(scope="session")
def scannet_root(tmp_path_factory) -> Path:
    """Frames-25k layout with annotations/{train,val}.json written by prepare_scannet."""
    from detr_deit.prepare import prepare_scannet

    root = write_scannet(tmp_path_factory.mktemp("scannet"))
    prepare_scannet(root)
    return root


@pytest.fixture(scope="session")
def voc_root(tmp_path_factory) -> Path:
    """VOCdevkit with VOC2007 trainval/test and VOC2012 trainval, one image each, prepared."""
    from PIL import Image

    from common.voc import VocAnnotation, VocObject, write_annotation, write_image_set
    from detr_deit.prepare import prepare_voc

    root = tmp_path_factory.mktemp("voc")
    for year, split, voc_id in [("VOC2007", "trainval", "000005"), ("VOC2007", "test", "000001"),
                                ("VOC2012", "trainval", "2008_000002")]:
        (root / year / "JPEGImages").mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.full((H, W, 3), 120, np.uint8)).save(
            root / year / "JPEGImages" / f"{voc_id}.jpg")
        objs = [VocObject("dog", (11.0, 21.0, 50.0, 60.0), False, False),
                VocObject("person", (61.0, 11.0, 90.0, 80.0), True, False)]
        write_annotation(root / year / "Annotations" / f"{voc_id}.xml",
                         VocAnnotation(f"{voc_id}.jpg", W, H, objs), folder=year)
        write_image_set(root, year, split, [voc_id])
    prepare_voc(root)
    return root


CONFIGS = sorted(p.name for p in CONFIG_DIR.glob("*.py"))
# Environment variables the dataset configs read their root from.
ROOT_VARIABLES = {"scannet-frames": "SCANNET_FRAMES_ROOT", "voc0712": "VOC_ROOT",
                  "synth-scannet": "SYNTH_SCANNET_ROOT"}


@pytest.fixture
def load_cfg(scannet_root, voc_root, monkeypatch):
    """load_cfg(config name, **cfg_options) -> Config reading the tiny datasets, no pretrained
    backbone file (none exists here)."""
    from common.openmmlab import load_config

    def load(name: str, **options):
        dataset = Path(name).stem.split("_")[-1]
        root = voc_root if dataset == "voc0712" else scannet_root
        monkeypatch.setenv(ROOT_VARIABLES[dataset], f"{root}/")
        cfg = load_config(name, CONFIG_DIR, cfg_options=options)
        cfg.model.backbone.init_cfg = None
        return cfg

    return load


def small_batch(cfg, n: int = 2, split: str = "train", size=(160, 128)):
    """``n`` samples of the config's ``split`` dataset, resized to fit ``size`` (W, H) so the
    full-size models stay fast on CPU, collated as the model's data_preprocessor expects."""
    from mmdet.registry import DATASETS
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import init_default_scope

    init_default_scope("mmdet")
    ds_cfg = cfg[f"{split}_dataloader"]["dataset"].copy()
    ds_cfg["pipeline"] = [
        dict(type="LoadImageFromFile"), dict(type="LoadAnnotations", with_bbox=True),
        dict(type="Resize", scale=size, keep_ratio=True),
        dict(type="PackDetInputs", meta_keys=("img_id", "img_path", "ori_shape", "img_shape",
                                              "scale_factor", "flip", "flip_direction"))]
    dataset = DATASETS.build(ds_cfg)
    return pseudo_collate([dataset[i % len(dataset)] for i in range(n)])


def build_model(cfg):
    from mmdet.registry import MODELS
    from mmengine.registry import init_default_scope
    from mmengine.utils import import_modules_from_strings

    import_modules_from_strings(**cfg.custom_imports)
    init_default_scope("mmdet")
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model


def pytest_collection_modifyitems(items):
    """Silence the deprecation chatter of mmcv/mmengine/torch.jit in this package's tests."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.filterwarnings("ignore::DeprecationWarning"))
            item.add_marker(pytest.mark.filterwarnings("ignore::UserWarning:mmdet.*"))
