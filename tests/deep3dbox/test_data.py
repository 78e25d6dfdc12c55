"""Crops, class means, the flip transform and skipping unreadable images."""

import shutil

import numpy as np
import pytest
from PIL import Image

from common.kitti import KittiFrameSet
from common.kitti import geometry as kg
from deep3dbox import multibin
from deep3dbox.crop import PAD_RGB, box_region, crop_resize
from deep3dbox.data import CropDataset, collect_crops, flip_alpha, preprocess
from deep3dbox.dimensions import MIN_STD, class_dimension_stats


def test_flip_alpha_matches_mirrored_3d_object():
    rng = np.random.default_rng(0)
    x, z, ry = rng.uniform(-10, 10, 500), rng.uniform(2, 60, 500), rng.uniform(-np.pi, np.pi, 500)
    alpha = kg.rotation_y_to_alpha(ry, x, z)
    # mirror the scene about the camera's y-z plane: x -> -x; heading (cos ry, -sin ry) gives
    # ry' = pi - ry
    mirrored = kg.rotation_y_to_alpha(np.pi - ry, -x, z)
    np.testing.assert_allclose(kg.wrap_angle(flip_alpha(alpha) - mirrored), 0, atol=1e-12)
    assert flip_alpha(0.0) == pytest.approx(-np.pi)  # wrapped to [-pi, pi)
    assert flip_alpha(np.pi / 2) == pytest.approx(np.pi / 2)  # seen side-on stays side-on


@pytest.fixture
def kitti_root_with_bad_image(kitti_fixture_root, tmp_path):
    root = tmp_path / "kitti"
    shutil.copytree(kitti_fixture_root, root)
    train = root / "training"
    for sub, ext in (("label_2", "txt"), ("calib", "txt")):
        shutil.copy(train / sub / f"000000.{ext}", train / sub / f"000001.{ext}")
    (train / "image_2" / "000001.png").write_bytes(b"not a png")
    (root / "ImageSets").mkdir()
    (root / "ImageSets" / "train.txt").write_text("000000\n000001\n")
    return root


def test_dataset_skips_unreadable_image_and_flips(kitti_root_with_bad_image, capsys):
    frames = KittiFrameSet(kitti_root_with_bad_image, split="train")
    crops = collect_crops(frames)
    assert [c.cls for c in crops] == ["Pedestrian", "Pedestrian"]
    means, stds = class_dimension_stats(frames, ["Pedestrian", "Car"])
    np.testing.assert_allclose(means["Pedestrian"], [1.89, 0.48, 1.20])
    assert list(means) == ["Pedestrian"]  # the same object twice: std 0, floored
    np.testing.assert_allclose(stds["Pedestrian"], [MIN_STD] * 3)
    plain = CropDataset(frames, crops, means, batch_size=2, input_size=32)
    x, y = plain[0]
    assert x.shape == (1, 32, 32, 3) and x.dtype == np.float32  # the bad image's crop skipped
    assert list(plain.bad) == [str(frames.image_path("000001"))]
    assert "000001.png" in capsys.readouterr().err
    np.testing.assert_allclose(y["dimensions"], 0, atol=1e-6)  # equals the class mean
    alpha = multibin.decode(y["confidence"], y["orientation"])
    assert alpha[0] == pytest.approx(-0.20, abs=1e-5)
    # with augmentation some draws are mirrored: image reversed and target alpha -> pi - alpha
    flipped_seen = False
    for seed in range(8):
        xa, ya = CropDataset(frames, crops, means, batch_size=2, input_size=32, augment=True,
                             seed=seed)[0]
        a = multibin.decode(ya["confidence"], ya["orientation"])[0]
        if np.allclose(xa, x[:, :, ::-1]):
            flipped_seen = True
            assert a == pytest.approx(float(flip_alpha(-0.20)), abs=1e-5)
        else:
            np.testing.assert_allclose(xa, x)
            assert a == pytest.approx(-0.20, abs=1e-5)
    assert flipped_seen


def test_crop_resize_clips_box_to_image():
    image = np.zeros((20, 30, 3), dtype=np.uint8)
    # the box (-5, -3, 9.5, 4.5) clipped to the image covers pixels 0..9 x 0..4; bilinear
    # samples near its far edges reach one pixel further
    image[:6, :11] = 255
    out = crop_resize(image, (-5.0, -3.0, 9.5, 4.5), 8)
    assert out.shape == (8, 8, 3) and (out == 255).all()
    # pixel centres at integers: the box -0.5..15.5 spans the 16 pixels exactly
    square = np.arange(16 * 16 * 3, dtype=np.uint8).reshape(16, 16, 3)
    np.testing.assert_array_equal(crop_resize(square, (-0.5, -0.5, 15.5, 15.5), 16), square)


def test_crop_resize_samples_the_box_to_the_sub_pixel():
    # a ramp of 10 per column: the box x 2.04..6.04 (pixel centres) resized to 8 columns samples
    # x = 2.04 + (j + 0.5) * 4 / 8 = 2.29, 2.79, ..., 5.79, where the ramp is 22.9, 27.9, ...;
    # the whole-pixel crop it replaces covered x 1.5..7.5 instead
    ramp = np.ascontiguousarray(
        np.broadcast_to((np.arange(16) * 10).astype(np.uint8)[None, :, None], (4, 16, 3)))
    out = crop_resize(ramp, (2.04, 0.0, 6.04, 3.0), 8)
    np.testing.assert_array_equal(out[:, :, 0], np.tile([23, 28, 33, 38, 43, 48, 53, 58], (8, 1)))
    # moving the box by 0.22 px moves the samples by 0.22 px (2.2 levels of the ramp)
    moved = crop_resize(ramp, (2.26, 0.0, 6.26, 3.0), 8)
    np.testing.assert_array_equal(moved[0, :, 0], [25, 30, 35, 40, 45, 50, 55, 60])


def test_crop_resize_equals_resampling_the_whole_image():
    # the crop hands PIL only the pixels its filter reaches; shrinking (box > crop) too
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (120, 200, 3), dtype=np.uint8)
    for box in ((30.3, 10.7, 170.2, 100.9), (5.2, 8.1, 20.7, 30.3), (150.0, 60.0, 210.0, 130.0)):
        region = box_region(box, 200, 120)
        whole = np.asarray(Image.fromarray(image).resize((16, 16), Image.BILINEAR, box=region))
        np.testing.assert_allclose(crop_resize(image, box, 16), whole, atol=1)  # PIL rounding
    assert box_region((150.0, 60.0, 210.0, 130.0), 200, 120) == (150.5, 60.5, 200.0, 120.0)
    assert box_region((50.0, 50.0, 50.2, 50.1), 200, 120) == (50.5, 50.5, 51.5, 51.5)


def test_letterbox_keeps_the_box_proportions_on_the_mean_colour():
    image = np.full((40, 60, 3), 200, dtype=np.uint8)
    # pixels 10..49 x 10..19: the box 9.5..49.5 x 9.5..19.5
    out = crop_resize(image, (9.5, 9.5, 49.5, 19.5), 16, mode="letterbox")
    # the 40 x 10 px box scaled by 16 / 40: 16 x 4 px, rows 6..9, all of it the box's colour
    assert out.shape == (16, 16, 3)
    assert (out[6:10] == 200).all()
    np.testing.assert_array_equal(out[:6], np.broadcast_to(PAD_RGB, (6, 16, 3)))
    np.testing.assert_array_equal(out[10:], np.broadcast_to(PAD_RGB, (6, 16, 3)))
    # padding is zero after VGG preprocessing (BGR, ImageNet mean subtracted), within 0.4
    assert np.abs(preprocess(out[None, :1, :1])).max() < 0.4
    # a square box letterboxes as it stretches
    square = np.arange(16 * 16 * 3, dtype=np.uint8).reshape(16, 16, 3)
    box = (-0.5, -0.5, 15.5, 15.5)
    np.testing.assert_array_equal(crop_resize(square, box, 16, "letterbox"), square)
    with pytest.raises(ValueError, match="crop mode"):
        crop_resize(square, box, 16, "pad")


def test_box_jitter_moves_the_crop_not_the_targets(kitti_root_with_bad_image):
    frames = KittiFrameSet(kitti_root_with_bad_image, split="train")
    crops = collect_crops(frames)[:1]
    means, _ = class_dimension_stats(frames, ["Pedestrian"])
    x0, y0 = CropDataset(frames, crops, means, batch_size=1, input_size=32)[0]
    ds = CropDataset(frames, crops, means, batch_size=1, input_size=32, augment=True, jitter=0.1,
                     cache=True)
    xs = [ds[0][0] for _ in range(6)]
    assert list(ds.cache) == ["000000"]  # decoded once, kept
    # every draw is a different crop (jittered and/or flipped), never the plain one
    assert all(not np.allclose(x, x0) for x in xs)
    np.testing.assert_allclose(ds[0][1]["dimensions"], y0["dimensions"])


@pytest.mark.parametrize("graded", [False, True])
def test_graded_jitter_draws_a_bound_per_crop(kitti_root_with_bad_image, monkeypatch, graded):
    frames = KittiFrameSet(kitti_root_with_bad_image, split="train")
    crops = collect_crops(frames)[:1]
    means, _ = class_dimension_stats(frames, ["Pedestrian"])
    boxes = []
    monkeypatch.setattr("deep3dbox.data.crop_resize",
                        lambda image, box, size, mode: boxes.append(box) or
                        np.zeros((size, size, 3), np.uint8))
    ds = CropDataset(frames, crops, means, batch_size=1, input_size=32, augment=True, jitter=0.1,
                     jitter_graded=graded, cache=True)
    for _ in range(400):
        ds[0]
    size = np.tile(np.subtract(crops[0].bbox[2:], crops[0].bbox[:2]), 2)
    moves = np.abs(np.array(boxes) - crops[0].bbox) / size  # (400, 4) side moves / box size
    assert moves.max() <= 0.1
    # all four sides within 2 %: (0.2)^4 = 0.16 % of uniform draws; graded, every crop whose
    # bound is under 2 % (20 %) and some more
    near_exact = int((moves.max(axis=1) < 0.02).sum())
    assert (near_exact > 80) if graded else (near_exact < 5)
