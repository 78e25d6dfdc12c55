"""KITTI geometry on hand-computed numbers."""

import numpy as np
import pytest

from common.kitti import KittiCalib
from common.kitti import geometry as kg

# velodyne (x fwd, y left, z up) -> camera (x right, y down, z fwd), no rectification
AXES = np.array([[0.0, -1, 0, 0], [0, 0, -1, 0], [1, 0, 0, 0]])
P = np.array([[700.0, 0, 600, 45], [0, 700, 180, -0.3], [0, 0, 1, 0.005]])


def _calib(r0=None):
    r0 = np.eye(3) if r0 is None else r0
    return KittiCalib(P, P, P, P, r0, AXES, np.eye(3, 4))


def test_velo_to_rect_axes_and_inverse():
    c = _calib()
    np.testing.assert_allclose(kg.velo_to_rect(np.array([[10.0, 2, 1]]), c), [[-2, -1, 10]])
    # with a rectifying rotation of 90 deg about camera y: (x, y, z) -> (z, y, -x)
    r0 = np.array([[0.0, 0, 1], [0, 1, 0], [-1, 0, 0]])
    c = _calib(r0=r0)
    np.testing.assert_allclose(kg.velo_to_rect(np.array([[10.0, 2, 1]]), c), [[10, -1, 2]])
    pts = np.random.default_rng(0).normal(size=(50, 3)) * 10
    np.testing.assert_allclose(kg.rect_to_velo(kg.velo_to_rect(pts, c), c), pts, atol=1e-12)


def test_rect_to_image_hand_numbers():
    uv, depth = kg.rect_to_image(np.array([[1.0, 2, 10], [0, 0, 5]]), P)
    np.testing.assert_allclose(uv[0], [(700 + 6000 + 45) / 10.005, (1400 + 1800 - 0.3) / 10.005])
    np.testing.assert_allclose(uv[1], [(3000 + 45) / 5.005, (900 - 0.3) / 5.005])
    np.testing.assert_allclose(depth, [10.005, 5.005])


def test_box3d_corners_devkit_order():
    c = kg.box3d_corners([[2.0, 1, 4]], [[1.0, 2, 10]], [0.0])[0]
    assert c.shape == (8, 3)
    np.testing.assert_allclose(c[0], [3, 2, 10.5])
    np.testing.assert_allclose(c[1], [3, 2, 9.5])
    np.testing.assert_allclose(c[2], [-1, 2, 9.5])
    np.testing.assert_allclose(c[3], [-1, 2, 10.5])
    np.testing.assert_allclose(c[4:, 1], 0.0)  # top face at y - h
    np.testing.assert_allclose(c[4:, [0, 2]], c[:4, [0, 2]])
    # ry = pi/2: heading (local +x) points to camera -z; corner 0 = loc + (w/2, 0, -l/2)
    c = kg.box3d_corners([[2.0, 1, 4]], [[1.0, 2, 10]], [np.pi / 2])[0]
    np.testing.assert_allclose(c[0], [1.5, 2, 8], atol=1e-12)
    front = c[[0, 1, 5, 4]].mean(axis=0)
    np.testing.assert_allclose(front, [1, 1, 8], atol=1e-12)  # centre of the front face


def test_box3d_corners_vectorised():
    dims = np.array([[1.5, 1.6, 3.9], [1.8, 0.6, 0.8]])
    loc = np.array([[0.0, 1.7, 20], [3, 1.6, 8]])
    ry = np.array([0.3, -2.0])
    both = kg.box3d_corners(dims, loc, ry)
    for i in range(2):
        one = kg.box3d_corners(dims[i:i + 1], loc[i:i + 1], ry[i:i + 1])[0]
        np.testing.assert_allclose(both[i], one)
    # rotation keeps edge lengths: in the devkit order c0-c1 spans w and c1-c2 spans l
    np.testing.assert_allclose(np.linalg.norm(both[:, 0] - both[:, 1], axis=1), dims[:, 1])
    np.testing.assert_allclose(np.linalg.norm(both[:, 1] - both[:, 2], axis=1), dims[:, 2])


def test_project_and_clip_box():
    P0 = np.array([[100.0, 0, 50, 0], [0, 100, 40, 0], [0, 0, 1, 0]])
    corners = kg.box3d_corners([[2.0, 2, 2]], [[0.0, 1, 10]], [0.0])
    box = kg.project_box3d(corners, P0)[0]
    # nearest face z = 9 gives the extremes: x in [-1, 1], y in [-1, 1]
    np.testing.assert_allclose(box, [50 - 100 / 9, 40 - 100 / 9, 50 + 100 / 9, 40 + 100 / 9])
    clipped = kg.clip_box([[-5.0, 10, 120, 500]], (100, 80))
    np.testing.assert_allclose(clipped, [[0, 10, 79, 99]])


def test_alpha_rotation_y_hand_numbers():
    assert kg.rotation_y_to_alpha(0.0, 5.0, 5.0) == pytest.approx(-np.pi / 4)
    assert kg.alpha_to_rotation_y(-np.pi / 4, 5.0, 5.0) == pytest.approx(0.0)
    assert kg.rotation_y_to_alpha(1.0, 0.0, 7.0) == pytest.approx(1.0)
    assert kg.rotation_y_to_alpha(3.0, -1.0, 1.0) == pytest.approx(3.0 + np.pi / 4 - 2 * np.pi)
    ry = np.linspace(-3.1, 3.1, 13)
    x, z = np.linspace(-20, 20, 13), np.linspace(3, 60, 13)
    np.testing.assert_allclose(kg.alpha_to_rotation_y(kg.rotation_y_to_alpha(ry, x, z), x, z), ry)


def test_wrap_angle_range():
    np.testing.assert_allclose(kg.wrap_angle([np.pi, -np.pi, 3 * np.pi / 2, 0.5, -7.0]),
                               [-np.pi, -np.pi, -np.pi / 2, 0.5, -7.0 + 2 * np.pi])


def test_points_in_boxes_hand_cases():
    dims, loc = np.array([[2.0, 1, 4]]), np.array([[0.0, 0, 10]])
    pts = np.array([[0, -1, 11.9], [1.0, -1, 10], [0, 0.1, 10], [0, -2, 10], [0, -1, 12.1]])
    np.testing.assert_array_equal(kg.points_in_boxes(pts, dims, loc, [np.pi / 2])[:, 0],
                                  [True, False, False, True, False])
    np.testing.assert_array_equal(kg.points_in_boxes(pts, dims, loc, [0.0])[:, 0],
                                  [False, True, False, True, False])
    two = kg.points_in_boxes(pts, np.repeat(dims, 2, 0), np.repeat(loc, 2, 0), [np.pi / 2, 0.0])
    assert two.shape == (5, 2)
    np.testing.assert_array_equal(two[:, 1], [False, True, False, True, False])


def test_points_in_boxes_matches_corner_halfspaces():
    rng = np.random.default_rng(1)
    dims, loc, ry = np.array([[1.5, 1.6, 3.9]]), np.array([[2.0, 1.6, 15]]), np.array([0.7])
    pts = loc + rng.uniform([-2.5, -2.0, -2.5], [2.5, 0.5, 2.5], size=(2000, 3))
    c = kg.box3d_corners(dims, loc, ry)[0]

    def cross(u, v):
        return u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0]

    # independent check: bottom quad edges and y range from the corners
    inside = (pts[:, 1] <= c[0, 1]) & (pts[:, 1] >= c[4, 1])
    for a, b in [(0, 1), (1, 2), (2, 3), (3, 0)]:
        edge, rel = c[b, [0, 2]] - c[a, [0, 2]], pts[:, [0, 2]] - c[a, [0, 2]]
        centre_side = np.sign(cross(edge, c[:4, [0, 2]].mean(0) - c[a, [0, 2]]))
        inside &= np.sign(cross(edge, rel)) == centre_side
    got = kg.points_in_boxes(pts, dims, loc, ry)[:, 0]
    np.testing.assert_array_equal(got, inside)
    assert 150 < got.sum() < 600  # the test samples both sides


def test_reduce_to_fov():
    c = _calib()
    pts = np.array([[10.0, 0, 0, 0.1], [-10, 0, 0, 0.2], [10, 50, 0, 0.3], [10, 0, 20, 0.4],
                    [10, -1, 0.5, 0.5], [99.99, 0, 0, 0.6], [100.0, 0, 0, 0.7]], dtype=np.float32)
    # image 1200x360: (10, 0, 0) -> (604.2, 179.9); behind; far left; far up; slightly right;
    # depth 99.995 kept; depth 100.005 beyond the 100 m far plane
    kept = kg.reduce_to_fov(pts, c, (360, 1200))
    np.testing.assert_array_equal(kept[:, 3], np.float32([0.1, 0.5, 0.6]))
    assert kept.dtype == np.float32
