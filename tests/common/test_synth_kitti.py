"""Synthetic KITTI: re-read with common.kitti, checked independently through the written calib."""

import numpy as np
import pytest

from common.eval.box_iou import box_iou
from common.kitti import KittiFrameSet, read_calib, read_split
from common.kitti import geometry as kg
from common.synth import generate
from common.synth.kitti import lidar_scan, render, sample_road
from common.synth.kitti_scene import (
    CALIB,
    IMAGE_SHAPE,
    LIDAR_HEIGHT,
    SceneObject,
    _sample_look,
    paint,
)
from common.synth.kitti_vehicle import BODY, VehicleShape

NUM = 6


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    out = tmp_path_factory.mktemp("kitti")
    assert generate("kitti", out, num=NUM, seed=3, progress=False)
    return out


@pytest.fixture(scope="module")
def frames(root):
    fs = KittiFrameSet(root, split=None)
    assert fs.bad == []
    return [(fs.label(i), fs.calib(i), fs.image(i), fs.velodyne(i)) for i in fs.ids]


def test_layout_and_splits(root):
    t = root / "training"
    for sub, ext in (("image_2", "png"), ("label_2", "txt"), ("calib", "txt"), ("velodyne", "bin")):
        assert sorted(p.name for p in (t / sub).iterdir()) == [f"{i:06d}.{ext}" for i in range(NUM)]
    train, val = (
        read_split(root / "ImageSets" / "train.txt"),
        read_split(root / "ImageSets" / "val.txt"),
    )
    assert train == ["000000", "000001", "000002", "000003", "000004"] and val == ["000005"]
    assert KittiFrameSet(root, split="val").ids == ["000005"]


def test_synth_calib_is_the_real_frames(kitti_fixture_root, frames):
    real = read_calib(kitti_fixture_root / "training" / "calib" / "000000.txt")
    for name in ("P0", "P1", "P2", "P3", "R0_rect", "Tr_velo_to_cam", "Tr_imu_to_velo"):
        np.testing.assert_allclose(getattr(CALIB, name), getattr(real, name), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(getattr(frames[0][1], name), getattr(real, name), atol=1e-12)
    # the real image of this calibration has the synthetic images' size
    from PIL import Image

    with Image.open(kitti_fixture_root / "training" / "image_2" / "000000.png") as im:
        assert (im.height, im.width) == IMAGE_SHAPE
    assert all(f[2].shape == (*IMAGE_SHAPE, 3) for f in frames)


def test_classes_and_dontcare(frames):
    names = [o.type for objs, *_ in frames for o in objs]
    assert {"Car", "Pedestrian", "Cyclist", "DontCare"} <= set(names)
    assert names.count("Car") >= NUM * 2
    for objs, *_ in frames:
        for o in objs:
            if o.type == "DontCare":  # the devkit's "unknown" values
                assert (o.truncated, o.occluded, o.alpha, o.rotation_y) == (-1, -1, -10, -10)
                assert o.bbox[3] - o.bbox[1] < 40  # small, far
            else:
                assert 5 <= o.location[2] <= 45


def test_projection_matches_2d_box(frames):
    """Non-truncated objects: the labelled 3D box projected through the written P2 is the 2D box."""
    checked = 0
    for objs, calib, *_ in frames:
        for o in objs:
            if o.type == "DontCare" or o.truncated > 0:
                continue
            corners = kg.box3d_corners(o.dimensions, o.location, o.rotation_y)
            proj = kg.project_box3d(corners, calib.P2)[0]
            assert box_iou(proj, o.bbox)[0, 0] > 0.9, (o, proj)
            checked += 1
    assert checked >= NUM


def test_truncation_and_alpha_recomputed(frames):
    truncated = 0
    for objs, calib, *_ in frames:
        for o in objs:
            if o.type == "DontCare":
                continue
            proj = kg.project_box3d(
                kg.box3d_corners(o.dimensions, o.location, o.rotation_y), calib.P2
            )[0]
            clipped = kg.clip_box(proj, IMAGE_SHAPE)[0]
            area = lambda b: (b[2] - b[0]) * (b[3] - b[1])  # noqa: E731
            assert o.truncated == pytest.approx(1 - area(clipped) / area(proj), abs=0.011)
            np.testing.assert_allclose(o.bbox, clipped, atol=0.011)
            expected = kg.rotation_y_to_alpha(o.rotation_y, o.location[0], o.location[2])
            assert abs(kg.wrap_angle(o.alpha - expected)) <= 0.011
            truncated += o.truncated > 0
    assert truncated >= 1


def test_occlusion_only_where_another_object_overlaps(frames):
    levels = []
    for objs, calib, *_ in frames:
        proj = [
            kg.project_box3d(kg.box3d_corners(o.dimensions, o.location, o.rotation_y), calib.P2)[0]
            if o.type != "DontCare"
            else o.bbox
            for o in objs
        ]
        for i, o in enumerate(objs):
            if o.type == "DontCare":
                continue
            overlaps = any(box_iou(proj[i], proj[j])[0, 0] > 0 for j in range(len(objs)) if j != i)
            if not overlaps:
                assert o.occluded == 0, o
            levels.append(o.occluded)
    assert set(levels) <= {0, 1, 2, 3} and 0 in levels and max(levels) >= 1


def test_lidar_points_inside_near_boxes(frames):
    """Visible objects within 25 m get LiDAR returns inside their labelled box."""
    checked = 0
    for objs, calib, _, points in frames:
        assert points.dtype == np.float32 and points.shape[1] == 4
        rect = kg.velo_to_rect(points[:, :3], calib)
        for o in objs:
            if o.type == "DontCare" or o.occluded > 0 or o.location[2] > 25:
                continue
            # 5 cm margin for range noise; lifted 10 cm so ground returns stay out
            inside = kg.points_in_boxes(
                rect,
                o.dimensions[None] + [0, 0.1, 0.1],
                o.location[None] - [0, 0.1, 0],
                [o.rotation_y],
            )[:, 0]
            assert inside.sum() >= 10, o
            checked += 1
    assert checked >= 3


def test_lidar_ground_and_density(frames):
    points = np.concatenate([f[3] for f in frames])
    ground = points[np.abs(points[:, 2] + LIDAR_HEIGHT) < 0.05]
    assert len(ground) > 0.6 * len(points)
    assert 0 <= points[:, 3].min() and points[:, 3].max() < 1
    r = np.hypot(ground[:, 0], ground[:, 1])
    density = [
        ((r >= a) & (r < b)).sum() / (np.pi * (b * b - a * a)) for a, b in ((5, 10), (20, 30))
    ]
    assert density[0] > 4 * density[1]
    # 64 beams: elevation angles of ground returns form at most 64 rings
    assert len(np.unique(np.round(np.degrees(np.arctan2(ground[:, 2], r)), 1))) <= 130


def _sedan(ry, loc, look=None):
    dims = np.array([1.5, 1.6, 3.9])
    look = look or {"body": np.array([30.0, 60.0, 150.0]), "paint_refl": 0.4}
    shape = VehicleShape.of("sedan", dims)
    return SceneObject("Car", dims, np.array(loc), ry, look=look, shape=shape)


def _single_car_render(ry, columns=False):
    rng = np.random.default_rng(0)
    car = _sedan(ry, [0.0, 1.65, 12.0])
    image, inst, _ = render([car], sample_road(rng), rng)
    if columns:  # pixels and their image columns
        return image[inst == 0].astype(int), np.nonzero(inst == 0)[1]
    return image[inst == 0].astype(int)


def _red(p):
    return (p[:, 0] > 150) & (p[:, 1] < 60)


def _bright(p):
    return (p.min(axis=1) > 150) & (p[:, 2] < p[:, 0] - 20)


def test_front_and_back_look_different():
    """The heading is visible: headlights (bright, yellowish) in front, red tail lights behind."""
    front, back = _single_car_render(np.pi / 2), _single_car_render(-np.pi / 2)  # facing us / away

    assert _red(back).sum() > 100 and _red(front).sum() == 0
    assert _bright(front).sum() > 100 and _bright(back).sum() < _bright(front).sum() / 2


@pytest.mark.parametrize("ry, front_right", [(0.0, True), (np.pi, False)])
def test_heading_is_visible_from_the_side(ry, front_right):
    """Seen side-on, the headlight colour wraps around the front end, the tail light colour the
    rear end, and the light belt-line stripe (dark blue body) is wider at the rear."""
    pixels, u = _single_car_render(ry, columns=True)
    mid, length = (u.min() + u.max()) / 2, u.max() - u.min()
    sign = 1 if front_right else -1  # + where the front is on the right of the image
    head, tail = _bright(pixels), _red(pixels)
    stripe = (pixels.min(axis=1) > 150) & (np.abs(pixels[:, 2] - pixels[:, 0]) < 15)
    assert head.sum() > 50 and tail.sum() > 50 and stripe.sum() > 200
    assert sign * (u[head] - mid).min() > 0.3 * length  # all at the front end
    assert sign * (u[tail] - mid).max() < -0.3 * length  # all at the rear end
    rear = sign * (u[stripe] - mid) < 0
    assert rear.sum() > 2 * (~rear).sum()


def test_side_heading_cues_leave_the_lidar_reflectance_alone():
    """The side cues are albedo only: the body's side reflects like paint or tyre."""
    car = _sedan(0.0, [0.0, 1.65, 12.0])
    shape = car.shape
    lx, hb = np.meshgrid(np.linspace(-1.94, 1.94, 80), np.linspace(0.16, 0.74, 40))
    local = np.stack([lx.ravel(), -hb.ravel(), np.full(lx.size, 0.8)], axis=1)
    assert (hb < shape.body_top(lx)).all()  # all on the body's side
    rgb, refl = paint(car, np.full(len(local), BODY), np.full(len(local), 5), local)
    assert len(np.unique(rgb, axis=0)) == 6  # body, tyre, hub, stripe, head, tail
    assert set(np.round(refl, 6)) == {0.4, 0.1}


def test_lidar_sees_an_object_in_front():
    rng = np.random.default_rng(0)
    car = _sedan(0.0, [0.0, 1.65, 10.0], _sample_look(rng, "Car"))
    pts = lidar_scan([car], sample_road(rng), rng)
    rect = kg.velo_to_rect(pts[:, :3], CALIB)
    inside = kg.points_in_boxes(rect, [[1.5, 1.7, 4.0]], [[0.0, 1.6, 10.0]], [0.0])[:, 0]
    assert inside.sum() > 100
    # nothing behind the car along its line of sight: its shadow on the ground has no returns
    shadow = (np.abs(rect[:, 0]) < 0.3) & (rect[:, 2] > 13) & (rect[:, 2] < 16)
    assert shadow.sum() == 0
