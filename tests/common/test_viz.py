"""common.viz on the real KITTI fixture frame: boxes land where the geometry says."""

import numpy as np
import pytest

from common import viz
from common.io import read_image
from common.kitti import KittiFrameSet, objects_to_arrays
from common.kitti import geometry as kg


@pytest.fixture(scope="module")
def frame(kitti_fixture_root):
    fs = KittiFrameSet(kitti_fixture_root, split=None)
    fid = fs.ids[0]
    return fs.image(fid), fs.calib(fid), fs.velodyne(fid), objects_to_arrays(fs.label(fid))


def _line_extent(ax):
    xy = np.concatenate([np.asarray(line.get_xydata()) for line in ax.lines])
    return xy.min(axis=0), xy.max(axis=0)


def test_2d_boxes_and_png(frame, tmp_path):
    image, _, _, objs = frame
    fig, (ax,) = viz.new_figure(1, size=(12.24, 3.7))
    viz.show_image(ax, image)
    viz.draw_boxes_2d(ax, objs["bbox"], labels=objs["name"], scores=[0.87])
    (patch,) = ax.patches
    x1, y1, x2, y2 = objs["bbox"][0]
    assert patch.get_xy() == pytest.approx((x1, y1))
    assert (patch.get_width(), patch.get_height()) == pytest.approx((x2 - x1, y2 - y1))
    assert ax.texts[0].get_text() == "Pedestrian 0.87"
    viz.save_figure(fig, tmp_path / "boxes.png")
    png = read_image(tmp_path / "boxes.png")
    green = (png[..., 1] > 200) & (png[..., 0] < 100) & (png[..., 2] < 100)
    assert green.sum() > 50


def test_3d_box_projection_matches_the_labelled_2d_box(frame):
    image, calib, _, objs = frame
    fig, (ax,) = viz.new_figure()
    viz.draw_boxes_3d(ax, objs["dimensions"], objs["location"], objs["rotation_y"], calib.P2)
    assert len(ax.lines) == 12 + 2  # box edges + the cross on the front face
    lo, hi = _line_extent(ax)
    # KITTI's 2D label is close to the projected 3D box (a few pixels)
    np.testing.assert_allclose(np.r_[lo, hi], objs["bbox"][0], atol=15)


def test_bev_draws_points_and_ground_rectangle(frame):
    _, calib, velo, objs = frame
    pts = kg.velo_to_rect(velo[:, :3], calib)
    fig, (ax,) = viz.new_figure()
    viz.draw_bev(ax, pts, objs["dimensions"], objs["location"], objs["rotation_y"])
    assert ax.collections[0].get_offsets().shape == (len(pts), 2)
    ring = np.asarray(ax.lines[0].get_xydata())
    corners = kg.box3d_corners(objs["dimensions"], objs["location"], objs["rotation_y"])[0]
    np.testing.assert_allclose(ring[:4], corners[:4][:, [0, 2]])
    # the heading line ends in the middle of the front face (corners 0 and 1)
    np.testing.assert_allclose(ax.lines[1].get_xydata()[1], corners[:2][:, [0, 2]].mean(0))
