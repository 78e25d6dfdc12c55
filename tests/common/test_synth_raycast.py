"""Ray casting and rasterisation helpers on hand-checked numbers."""

import numpy as np

from common.kitti import geometry as kg
from common.synth.raster import hash_noise, points_in_polygon
from common.synth.raycast import ray_box, ray_plane, yaw_rotation


def test_ray_box_unit_cube():
    # unit half-extent cube at (5, 0, 0); rays from the origin
    dirs = np.array([[1.0, 0, 0], [1.0, 0.1, 0], [-1.0, 0, 0], [1.0, 0.5, 0], [0, 1.0, 0]])
    t, face, local = ray_box(np.zeros(3), dirs, np.array([5.0, 0, 0]), np.eye(3), np.ones(3))
    assert t[0] == 4.0 and face[0] == 0  # enters through the -x face at x = 4
    np.testing.assert_allclose(local[0], [-1, 0, 0], atol=1e-9)
    assert t[1] == 4.0 and face[1] == 0 and np.isclose(local[1, 1], 0.4)
    assert np.isinf(t[2]) and face[2] == -1  # box behind the ray
    assert np.isinf(t[3])  # passes beside it: y = 2 at x = 4, y = 3 at x = 6
    assert np.isinf(t[4])  # parallel to the -x face, outside the slab


def test_ray_box_rotated_box_front_face():
    # a KITTI box turned by ry = pi/2: its front (+x local) faces the camera (-z)
    rot = yaw_rotation(np.pi / 2, up_axis=1)
    np.testing.assert_allclose(rot @ [1, 0, 0], [0, 0, -1], atol=1e-12)
    t, face, _ = ray_box(np.zeros(3), np.array([[0, 0, 1.0]]), np.array([0, 0, 10.0]), rot,
                         np.array([2.0, 0.75, 0.8]))  # l/2, h/2, w/2
    assert face[0] == 1 and np.isclose(t[0], 8.0)
    # same convention as the devkit corners: face 1 is the corners 0, 1, 5, 4
    corners = kg.box3d_corners([[1.5, 1.6, 4.0]], [[0, 0.75, 10.0]], [np.pi / 2])[0]
    np.testing.assert_allclose(corners[[0, 1, 4, 5], 2], 8.0, atol=1e-12)


def test_yaw_rotation_z_up():
    r = yaw_rotation(np.pi / 2, up_axis=2)
    np.testing.assert_allclose(r @ [1, 0, 0], [0, 1, 0], atol=1e-12)


def test_ray_plane():
    # ground 1.65 m below the origin (y down): a ray 10 % downwards meets it at t = 16.5
    t = ray_plane(np.zeros(3), np.array([[0, 0.1, 1.0], [0, -0.1, 1.0], [0, 0, 1.0]]),
                  np.array([0, -1.0, 0]), -1.65)
    assert np.isclose(t[0], 16.5) and np.isinf(t[1]) and np.isinf(t[2])


def test_points_in_polygon_concave():
    l_shape = np.array([[0, 0], [2, 0], [2, 1], [1, 1], [1, 2], [0, 2]])
    x = np.array([0.5, 1.5, 1.5, 0.5, 3.0])
    y = np.array([0.5, 0.5, 1.5, 1.5, 0.5])
    inside = points_in_polygon(x, y, l_shape)
    np.testing.assert_array_equal(inside, [True, True, False, True, False])


def test_hash_noise_is_a_fixed_function():
    a = hash_noise(np.arange(-5, 5), np.arange(10), 3)
    np.testing.assert_array_equal(a, hash_noise(np.arange(-5, 5), np.arange(10), 3))
    assert ((a >= 0) & (a < 1)).all() and len(np.unique(a)) == 10
    assert not np.array_equal(a, hash_noise(np.arange(-5, 5), np.arange(10), 4))
