"""The paper's 3D box errors on hand-placed boxes."""

import numpy as np
import pytest

from deep3dbox.box_errors import box_centres, closest_points, paired_iou3d

CAR = [1.5, 1.6, 4.0]  # h, w, l


def test_centre_is_half_a_height_above_the_bottom_centre():
    np.testing.assert_allclose(box_centres([CAR], [[1.0, 1.7, 10.0]]), [[1.0, 0.95, 10.0]])


def test_closest_point_to_the_camera_follows_the_yaw():
    # straight ahead, 10 m: bottom at y 1.7, top at y 0.2; the camera (y 0) is above the roof
    loc = [[0.0, 1.7, 10.0]]
    # yaw 0: length along x, the near face is the side at z = 10 - w/2
    np.testing.assert_allclose(closest_points([CAR], loc, [0.0]), [[0.0, 0.2, 9.2]], atol=1e-12)
    # yaw pi/2: length along z, the near face is the back at z = 10 - l/2
    np.testing.assert_allclose(closest_points([CAR], loc, [np.pi / 2]), [[0.0, 0.2, 8.0]],
                               atol=1e-12)
    # to the left and yaw 0: the nearest point is the box's front-right corner edge
    np.testing.assert_allclose(closest_points([CAR], [[-5.0, 1.7, 10.0]], [0.0]),
                               [[-3.0, 0.2, 9.2]], atol=1e-12)
    # a camera inside the box is its own closest point
    np.testing.assert_allclose(closest_points([CAR], [[0.0, 1.0, 0.0]], [0.3]), [[0, 0, 0]],
                               atol=1e-12)


def test_paired_iou3d_of_shifted_and_turned_boxes():
    a = ([CAR, CAR], [[0, 1.7, 10.0], [0, 1.7, 20.0]], [0.0, 0.0])
    # 0.4 m along the 4 m length: 3.6 / 4.4; turned by pi: the same box
    b = ([CAR, CAR], [[0.4, 1.7, 10.0], [0, 1.7, 20.0]], [0.0, np.pi])
    iou = paired_iou3d(*a, *b)
    assert iou[0] == pytest.approx(3.6 / 4.4) and iou[1] == pytest.approx(1.0)
