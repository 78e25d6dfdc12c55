"""Synthetic KITTI vehicles: convex-part ray casting, size distributions of the types, and a body
that is not symmetric front to back in the LiDAR."""

import numpy as np
import pytest

from common.kitti import geometry as kg
from common.synth.kitti import lidar_scan, sample_road
from common.synth.kitti_scene import CALIB, SceneObject, ground_plane
from common.synth.kitti_vehicle import (
    VEHICLE_TYPES,
    VehicleShape,
    sample_dims,
    sample_type,
)
from common.synth.raycast import ray_box, ray_convex, yaw_rotation

BLUE = {"body": np.array([30.0, 60.0, 150.0]), "paint_refl": 0.4}


def test_ray_convex_is_ray_box_for_a_box_and_slopes_a_wedge():
    rng = np.random.default_rng(0)
    dirs = rng.normal(size=(5000, 3)) + [0, 0, 4]
    center, rot = np.array([0.3, 0.2, 10.0]), yaw_rotation(0.7, up_axis=1)
    half = np.array([2.0, 1.0, 3.0])
    box = np.array([[[-1, 0, 0, 2], [1, 0, 0, 2], [0, -1, 0, 1], [0, 1, 0, 1], [0, 0, -1, 3],
                     [0, 0, 1, 3]]], dtype=float)
    t, face, local = ray_box(np.zeros(3), dirs, center, rot, half)
    t2, solid, face2, local2 = ray_convex(np.zeros(3), dirs, center, rot, box)
    hit = np.isfinite(t)
    assert 500 < hit.sum() < 4500 and np.array_equal(np.isfinite(t2), hit)
    np.testing.assert_allclose(t2[hit], t[hit], atol=1e-12)
    assert np.array_equal(face2, face) and set(solid[hit]) == {0} and set(solid[~hit]) == {-1}
    np.testing.assert_allclose(local2[hit], local[hit], atol=1e-12)
    # the unit cube at z = 5 with its -z, +x edge cut by the plane x - z <= 1.5 (local): rays
    # along +z at x = 0.25 enter through the -z face at z = -1, at x = 0.9 the slope at z = -0.6
    cube = np.concatenate([box[:, :, :3], np.ones((1, 6, 1))], axis=2)
    wedge = np.concatenate([cube, [[[1 / np.sqrt(2), 0, -1 / np.sqrt(2), 1.5 / np.sqrt(2)]]]], 1)
    origins = np.array([[0.25, 0, 0], [0.9, 0, 0], [1.2, 0, 0]])
    t, solid, face, local = ray_convex(origins, np.array([[0, 0, 1.0]] * 3), np.array([0, 0, 5.0]),
                                       np.eye(3), wedge)
    np.testing.assert_allclose(t[:2], [4.0, 4.4], atol=1e-12)
    np.testing.assert_allclose(local[:2], [[0.25, 0, -1.0], [0.9, 0, -0.6]], atol=1e-12)
    assert list(face) == [4, 6, -1] and list(solid) == [0, 0, -1]  # x = 1.2: beside the cube


@pytest.mark.parametrize("kind", list(VEHICLE_TYPES))
def test_type_dimensions_follow_their_distribution(kind):
    rng = np.random.default_rng(1)
    dims = np.array([sample_dims(rng, kind) for _ in range(4000)])
    t = VEHICLE_TYPES[kind]
    np.testing.assert_allclose(dims.mean(axis=0), t.mean, atol=0.015)
    np.testing.assert_allclose(dims.std(axis=0), t.std, rtol=0.1)


def test_car_and_van_means_are_kittis():
    """KITTI object training labels, class means (h, w, l): Car 1.53, 1.63, 3.88; Van 2.21, 1.90,
    5.08. The car types mix to the Car mean; taller types ride higher on bigger wheels."""
    rng = np.random.default_rng(2)
    for cls, mean in (("Car", (1.53, 1.63, 3.88)), ("Van", (2.21, 1.90, 5.08))):
        kinds = [sample_type(rng, cls) for _ in range(6000)]
        dims = np.array([sample_dims(rng, k) for k in kinds])
        np.testing.assert_allclose(dims.mean(axis=0), mean, atol=0.02)
    assert set(kinds) == {"van"}
    shapes = {k: VehicleShape.of(k, t.mean) for k, t in VEHICLE_TYPES.items()}
    assert shapes["suv"].clearance > shapes["sedan"].clearance
    assert shapes["suv"].wheel_r > shapes["sedan"].wheel_r > shapes["hatch"].wheel_r


def test_a_car_types_look_tells_its_size():
    """Knowing a car's type leaves under a third of the error of the class mean in each of h, w,
    l (the types are body styles with narrow spreads), and no two types share their scale-free
    looks: proportions l / h and w / h, wheel radius / h, belt line and cabin."""
    rng = np.random.default_rng(3)
    kinds = [sample_type(rng, "Car") for _ in range(20000)]
    dims = np.array([sample_dims(rng, k) for k in kinds])
    type_mean = np.array([VEHICLE_TYPES[k].mean for k in kinds])
    class_err = np.abs(dims - dims.mean(axis=0)).mean(axis=0)
    type_err = np.abs(dims - type_mean).mean(axis=0)
    assert (type_err < 0.31 * class_err).all(), type_err / class_err
    looks = []
    for kind, t in VEHICLE_TYPES.items():
        shape = VehicleShape.of(kind, t.mean)
        h, w, l = t.mean
        looks.append([l / h, w / h, shape.wheel_r / h, t.belt, *t.cabin])
    looks = np.array(looks)
    gaps = np.abs(looks[:, None] - looks[None]).max(axis=2) + np.eye(len(looks))
    assert gaps.min() >= 0.05, gaps


@pytest.mark.parametrize("kind", list(VEHICLE_TYPES))
def test_the_parts_fill_the_label_box_exactly(kind):
    """Parallel rays along each axis, both ways, over a 1 cm grid: every hit lies in the labelled
    box and the hits reach each of its six faces (wheels the bottom, roof the top, body the ends
    and sides) within the grid step on the raked nose."""
    h, w, l = VEHICLE_TYPES[kind].mean
    solids = VehicleShape.of(kind, (h, w, l)).solids()
    lo, hi = np.array([-l / 2, -h, -w / 2]), np.array([l / 2, 0, w / 2])  # y down, bottom at 0
    for axis in range(3):
        a, b = [k for k in range(3) if k != axis]
        u, v = np.meshgrid(np.arange(lo[a], hi[a], 0.01), np.arange(lo[b], hi[b], 0.01))
        for sign in (-1, 1):
            origins = np.zeros((u.size, 3))
            origins[:, axis], origins[:, a], origins[:, b] = -10 * sign, u.ravel(), v.ravel()
            dirs = np.zeros((u.size, 3))
            dirs[:, axis] = sign
            t, _, _, local = ray_convex(origins, dirs, np.zeros(3), np.eye(3), solids)
            hit = local[np.isfinite(t)]
            assert len(hit) > 0.3 * u.size
            assert (hit >= lo - 1e-9).all() and (hit <= hi + 1e-9).all()
            reach = hit[:, axis].min() if sign > 0 else hit[:, axis].max()
            assert reach == pytest.approx(lo[axis] if sign > 0 else hi[axis], abs=0.02)


def _vehicle_points(kind, ry):
    """LiDAR points (N, 3) of a vehicle of type ``kind`` (mean size) 10 m ahead, in its frame."""
    rng = np.random.default_rng(0)
    dims = np.array(VEHICLE_TYPES[kind].mean)
    normal, offset = ground_plane()
    loc = np.array([0.0, offset / normal[1] - normal[2] / normal[1] * 10.0, 10.0])
    car = SceneObject("Car", dims, loc, ry, look=BLUE, shape=VehicleShape.of(kind, dims))
    rect = kg.velo_to_rect(lidar_scan([car], sample_road(rng), rng)[:, :3], CALIB)
    local = (rect - car.loc) @ car.rot
    h, w, l = dims
    inside = (np.abs(local[:, 0]) < l / 2 + 0.1) & (np.abs(local[:, 2]) < w / 2 + 0.1)
    return local[inside & (-local[:, 1] > 0.05)]


def _highest_near_end(points, l, within):
    """Height (m) of the highest point within ``within`` m of the end at local x = l / 2."""
    return -points[points[:, 0] > l / 2 - within, 1].min()


@pytest.mark.parametrize("kind", list(VEHICLE_TYPES))
def test_lidar_sees_hood_in_front_and_a_taller_rear(kind):
    """Seen end-on from 10 m, a box would give the same heights from the front and from the back.
    The vehicle's end facing the sensor is the low nose of the hood in front, the higher trunk,
    hatch or tail gate behind (highest point in the first 0.3 m, measured: 0.41-0.53 h vs
    0.58-0.99 h); a car's hood stays low over its first 1.2 m, where its rear has risen."""
    h, _, l = VEHICLE_TYPES[kind].mean
    front = _vehicle_points(kind, np.pi / 2)  # facing the sensor
    back = _vehicle_points(kind, -np.pi / 2)
    back[:, 0] *= -1  # x from the rear end
    assert len(front) > 300 and len(back) > 300
    assert _highest_near_end(back, l, 0.3) - _highest_near_end(front, l, 0.3) > 0.06 * h
    if kind != "van":  # a van's hood is only 0.7 m long
        hood = l / 2 - VEHICLE_TYPES[kind].cabin[1] * l  # nose to the windscreen's base
        assert _highest_near_end(front, l, min(1.2, 0.9 * hood)) < 0.65 * h
        assert _highest_near_end(back, l, 1.2) > 0.85 * h
