"""Datasets and augmentation: geometry of the affine crop, targets of a real sample."""

import numpy as np
import pytest

from centernet.data.augment import _get_border, affine_matrix, apply_affine, color_aug, warp_image
from centernet.data.datasets import (
    DATASET_STATS,
    VOC_TEST,
    VOC_TRAIN,
    CtdetDataset,
    DetectionSet,
    inference_inputs,
)
from common.errors import DataFormatError


def test_affine_matrix_maps_square_onto_output():
    m = affine_matrix(np.array([50.0, 40.0]), 100.0, (25, 25))
    pts = apply_affine(np.array([[0.0, -10.0], [100.0, 90.0], [50.0, 40.0]]), m)
    np.testing.assert_allclose(pts, [[0, 0], [25, 25], [12.5, 12.5]])


def test_warp_matches_opencv_pixel_convention():
    src = np.tile((np.arange(20) * 10).astype(np.uint8)[None, :, None], (20, 1, 3))
    up = warp_image(src, np.array([[2.0, 0, 0], [0, 2.0, 0]]), (20, 20))
    # cv2.warpAffine: dst(x) = src(x / 2) with pixel centres on integers
    assert up[5, :6, 0].tolist() == [0, 5, 10, 15, 20, 25]


def test_get_border_halves_until_it_fits():
    assert _get_border(128, 500) == 128
    assert _get_border(128, 200) == 64  # 200 - 128 <= 128, 200 - 64 > 64
    assert _get_border(128, 96) == 32


def test_color_aug_keeps_grey_image_grey_but_changes_it():
    img = np.full((4, 4, 3), 0.5, np.float32)
    out = color_aug(np.random.default_rng(0), img.copy())
    assert not np.allclose(out, 0.5)
    # brightness/contrast/saturation keep a grey image grey; only PCA lighting tints it
    spread = out.max(axis=2) - out.min(axis=2)
    assert spread.max() < 0.1


def test_voc_set_reads_splits(tiny_voc):
    train = DetectionSet.voc(tiny_voc, VOC_TRAIN)  # VOC2012 absent: 07 trainval only
    test = DetectionSet.voc(tiny_voc, VOC_TEST)
    assert len(train) == 4 and len(test) == 2
    assert len(train.classes) == 20 and train.classes[6] == "car"
    s = train.samples[0]
    assert s.path.exists() and s.boxes.shape[1] == 4 and s.labels.dtype == np.int64


def test_voc_set_bad_root_is_a_clear_error(tmp_path):
    with pytest.raises(DataFormatError, match="VOC"):
        DetectionSet.voc(tmp_path, VOC_TRAIN)


def test_unaugmented_sample_puts_peak_at_box_centre(tiny_voc):
    dset = DetectionSet.voc(tiny_voc, VOC_TRAIN)
    st = DATASET_STATS["voc"]
    data = CtdetDataset(dset, 128, st["mean"], st["std"], augment=False)
    item = data[0]
    assert item["input"].shape == (3, 128, 128) and item["hm"].shape == (20, 32, 32)
    s = dset.samples[0]
    # no augmentation: image (96 x 80) fitted into side 96 centred at (48, 40), 1/3 px per cell
    k = 32 / 96
    for box, label, ind, wh in zip(s.boxes, s.labels, item["ind"], item["wh"], strict=False):
        cx = ((box[0] + box[2]) / 2 - 48) * k + 16
        cy = ((box[1] + box[3]) / 2 - 40) * k + 16
        assert ind == int(cy) * 32 + int(cx)
        assert item["hm"][label].reshape(-1)[ind] == 1.0
        np.testing.assert_allclose(wh, [(box[2] - box[0]) * k, (box[3] - box[1]) * k], rtol=1e-5)


def test_augmented_samples_differ_per_epoch_and_are_reproducible(tiny_voc):
    dset = DetectionSet.voc(tiny_voc, VOC_TRAIN)
    st = DATASET_STATS["voc"]
    data = CtdetDataset(dset, 64, st["mean"], st["std"], seed=1)
    a = data[1]["input"]
    np.testing.assert_array_equal(a, data[1]["input"])
    data.epoch = 1
    assert not np.array_equal(a, data[1]["input"])


def test_inference_inputs_keep_res_pads_to_32():
    img = np.zeros((70, 100, 3), np.uint8)
    st = DATASET_STATS["voc"]
    x, meta = inference_inputs(img, 384, st["mean"], st["std"], keep_res=True, flip=True)
    assert x.shape == (2, 3, 96, 128) and meta["output_size"] == (24, 32)
    x, meta = inference_inputs(img, 384, st["mean"], st["std"])
    assert x.shape == (1, 3, 384, 384) and meta["side"] == 100


def test_coco_json_set_matches_voc_set(tiny_voc, tmp_path):
    from common.coco import save_coco
    from common.voc import voc_to_coco

    save_coco(tmp_path / "ann.json", voc_to_coco(tiny_voc, VOC_TEST))
    a = DetectionSet.coco_json(tmp_path / "ann.json", tiny_voc)
    b = DetectionSet.voc(tiny_voc, VOC_TEST)
    assert [s.path for s in a.samples] == [s.path for s in b.samples]
    np.testing.assert_array_equal(a.samples[1].boxes, b.samples[1].boxes)
    # COCO [x, y, w, h] from VOC's 1-based pixels: xmin - 1, xmax unchanged
    from common.voc import read_annotation

    xml = read_annotation(tiny_voc / "VOC2007" / "Annotations" / "000005.xml")
    x1, y1, x2, y2 = xml.objects[0].bbox
    np.testing.assert_allclose(a.samples[1].boxes[0], [x1 - 1, y1 - 1, x2, y2])


def test_missing_coco_split_is_a_clear_error(tmp_path):
    from centernet.data.datasets import load_split

    with pytest.raises(DataFormatError, match="instances_val2017.json"):
        load_split("coco", tmp_path, train=False)
