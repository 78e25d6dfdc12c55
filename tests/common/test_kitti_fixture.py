"""The real KITTI frame 000000 (one pedestrian) read and checked through its own calibration."""

import numpy as np
import pytest

from common.eval.box_iou import box_iou
from common.kitti import KittiFrameSet, difficulty, objects_to_arrays
from common.kitti import geometry as kg

# KITTI setup (Geiger et al., IJRR 2013): the Velodyne sits 1.73 m above the road.
VELODYNE_HEIGHT = 1.73


@pytest.fixture(scope="module")
def frame(kitti_fixture_root):
    fs = KittiFrameSet(kitti_fixture_root, split=None)
    assert fs.ids == ["000000"] and fs.bad == []
    fid = fs.ids[0]
    return fs.label(fid), fs.calib(fid), fs.image(fid), fs.velodyne(fid)


def test_frame_parses(frame):
    objs, calib, image, points = frame
    assert image.shape == (370, 1224, 3) and image.dtype == np.uint8
    assert points.shape == (800, 4)
    assert [o.type for o in objs] == ["Pedestrian"]
    o = objs[0]
    np.testing.assert_allclose(o.bbox, [712.40, 143.00, 810.73, 307.92])
    np.testing.assert_allclose(o.dimensions, [1.89, 0.48, 1.20])
    np.testing.assert_allclose(o.location, [1.84, 1.47, 8.41])
    assert (o.truncated, o.occluded, o.alpha, o.rotation_y) == (0.0, 0, -0.20, 0.01)


def test_projected_3d_box_lands_on_2d_box(frame):
    objs, calib, image, _ = frame
    a = objects_to_arrays(objs)
    corners = kg.box3d_corners(a["dimensions"], a["location"], a["rotation_y"])
    proj = kg.clip_box(kg.project_box3d(corners, calib.P2), image.shape[:2])
    for o, box in zip(objs, proj, strict=True):
        assert o.truncated == 0.0
        # The 3D box of a walking pedestrian (l = 1.2 m: the stride) is wider than the visible
        # body that the 2D box encloses: measured IoU 0.889; top and bottom agree within 1.1 px.
        assert box_iou(box, o.bbox)[0, 0] > 0.88
        assert abs(box[1] - o.bbox[1]) < 1.5 and abs(box[3] - o.bbox[3]) < 1.5
        assert box[0] <= o.bbox[0] and box[2] >= o.bbox[2]  # the 3D box encloses the 2D box
        assert (box[0] + box[2]) / 2 == pytest.approx((o.bbox[0] + o.bbox[2]) / 2, abs=10)


def test_alpha_consistent_with_rotation_y(frame):
    objs = frame[0]
    for o in objs:
        x, _, z = o.location
        # label values are rounded to 2 decimals
        assert kg.rotation_y_to_alpha(o.rotation_y, x, z) == pytest.approx(o.alpha, abs=0.01)
        assert kg.alpha_to_rotation_y(o.alpha, x, z) == pytest.approx(o.rotation_y, abs=0.01)


def test_difficulty_of_fixture_object(frame):
    a = objects_to_arrays(frame[0])
    np.testing.assert_array_equal(
        difficulty(a["bbox"][:, 3] - a["bbox"][:, 1], a["occluded"], a["truncated"]), [0])


def test_box_stands_on_the_road_in_velodyne_frame(frame):
    objs, calib, _, _ = frame
    a = objects_to_arrays(objs)
    corners = kg.box3d_corners(a["dimensions"], a["location"], a["rotation_y"])[0]
    velo = kg.rect_to_velo(corners, calib)
    assert np.all(velo[:, 0] > 7.5) and np.all(velo[:, 0] < 10)  # ~8.7 m ahead of the LiDAR
    bottom_z = velo[:4, 2].mean()
    assert abs(bottom_z + VELODYNE_HEIGHT) < 0.3  # feet within 0.3 m of the nominal road plane
    assert velo[4:, 2].mean() - bottom_z == pytest.approx(1.89, abs=0.02)


def test_lidar_points_and_box(frame):
    objs, calib, image, points = frame
    a = objects_to_arrays(objs)
    # The fixture holds velodyne_reduced points: all of them project inside image_2.
    assert len(kg.reduce_to_fov(points, calib, image.shape[:2])) == len(points)
    rect = kg.velo_to_rect(points[:, :3], calib)
    inside = kg.points_in_boxes(rect, a["dimensions"], a["location"], a["rotation_y"])
    # hand check in the box's own frame (ry = 0.01 ~ 0: the box is axis-aligned within 0.6 cm)
    d = rect - a["location"][0]
    h, w, l = a["dimensions"][0]
    by_hand = ((np.abs(d[:, 0]) <= l / 2) & (np.abs(d[:, 2]) <= w / 2)
               & (d[:, 1] <= 0) & (d[:, 1] >= -h))
    np.testing.assert_array_equal(inside[:, 0], by_hand)
    # The 800-point subsample keeps only far, high returns (every point >= 11 m ahead and above the
    # camera), so none of them reaches the pedestrian at 8.4 m: count what is true.
    assert rect[:, 2].min() > 11.0 and rect[:, 1].max() < -0.5
    assert inside.sum() == 0
    # points placed on the labelled box (taken through the velodyne frame and back) are inside it
    corners = kg.box3d_corners(a["dimensions"], a["location"], a["rotation_y"])[0]
    centre = corners.mean(axis=0)
    on_box = centre + 0.95 * (corners - centre)
    back = kg.velo_to_rect(kg.rect_to_velo(on_box, calib), calib)
    assert kg.points_in_boxes(back, a["dimensions"], a["location"], a["rotation_y"]).all()
