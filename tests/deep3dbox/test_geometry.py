"""The translation solver on exact synthetic boxes and on the real KITTI fixture frame."""

import json

import numpy as np
import pytest

from common.kitti import KittiFrameSet, objects_to_arrays
from common.kitti import geometry as kg
from deep3dbox.benchmarks.speed import solve_locations_loop
from deep3dbox.geometry import alpha_to_yaw, main, solve_locations, theta_ray

P2 = np.array([[707.0493, 0.0, 604.0814, 45.75831],
               [0.0, 707.0493, 180.5066, -0.3454157],
               [0.0, 0.0, 1.0, 0.004981016]])


def _random_cars(n, seed):
    rng = np.random.default_rng(seed)
    dims = np.c_[rng.uniform(1.4, 1.8, n), rng.uniform(1.5, 1.9, n), rng.uniform(3.5, 4.8, n)]
    loc = np.c_[rng.uniform(-8, 8, n), rng.uniform(1.4, 1.9, n), rng.uniform(8, 50, n)]
    ry = rng.uniform(-np.pi, np.pi, n)
    return dims, loc, ry


def test_exact_boxes_recover_location_within_1cm():
    dims, loc, ry = _random_cars(400, seed=0)
    boxes = kg.project_box3d(kg.box3d_corners(dims, loc, ry), P2)
    est = solve_locations(boxes, dims, ry, P2)
    err = np.linalg.norm(est - loc, axis=1)
    assert err.max() < 0.01, err.max()


def test_clipped_boxes_drop_border_sides_and_still_solve():
    # cars cut by the left/right image edge: the border side is not an equation
    dims = np.array([[1.5, 1.6, 4.0], [1.5, 1.6, 4.0]])
    loc = np.array([[-9.0, 1.6, 10.0], [10.0, 1.6, 11.0]])
    ry = np.array([0.3, -1.0])
    boxes = kg.project_box3d(kg.box3d_corners(dims, loc, ry), P2)
    clipped = kg.clip_box(boxes, (370, 1224))
    assert clipped[0, 0] == 0 and clipped[1, 2] == 1223  # really truncated
    est = solve_locations(clipped, dims, ry, P2, image_shape=(370, 1224))
    assert np.linalg.norm(est - loc, axis=1).max() < 0.01
    # without the border rule the clipped side is a wrong equation and the solve is off
    naive = solve_locations(clipped, dims, ry, P2)
    assert np.linalg.norm(naive - loc, axis=1).max() > 0.1


def test_vectorised_solver_matches_per_box_loop():
    dims, loc, ry = _random_cars(5, seed=3)
    boxes = kg.project_box3d(kg.box3d_corners(dims, loc, ry), P2) + 1.5  # off by noise
    fast = solve_locations(boxes, dims, ry, P2)
    slow = np.stack([solve_locations_loop(boxes[i], dims[i], ry[i], P2) for i in range(5)])
    np.testing.assert_allclose(fast, slow, atol=1e-6)


def test_theta_ray_and_yaw():
    # principal point column looks straight ahead; a column fx to the right looks 45 deg right
    assert theta_ray(P2[0, 2], P2) == 0.0
    assert theta_ray(P2[0, 2] + P2[0, 0], P2) == pytest.approx(np.pi / 4)
    box = np.array([[P2[0, 2] + P2[0, 0] - 10, 100, P2[0, 2] + P2[0, 0] + 10, 150]])
    assert alpha_to_yaw(np.array([3.0]), box, P2)[0] == pytest.approx(3.0 + np.pi / 4 - 2 * np.pi)


def test_real_fixture_frame_oracle_location(kitti_fixture_root):
    frames = KittiFrameSet(kitti_fixture_root, split=None)
    fid = frames.ids[0]
    arr = objects_to_arrays([o for o in frames.label(fid) if o.type != "DontCare"])
    image_shape = frames.image(fid).shape[:2]
    est = solve_locations(arr["bbox"], arr["dimensions"], arr["rotation_y"], frames.calib(fid).P2,
                          image_shape=image_shape)
    err = np.linalg.norm(est - arr["location"], axis=1)
    # the label's 2D box is hand drawn, not the projection of its 3D box: measured 0.205 m for
    # the untruncated pedestrian at 8.4 m (a wrong corner configuration is off by metres)
    assert (arr["truncated"] <= 0.15).all()
    assert err.max() < 0.3, err


def test_cli_writes_json_report(kitti_fixture_root, tmp_path, capsys):
    out = tmp_path / "oracle.json"
    main([str(kitti_fixture_root), "--json", str(out)])
    report = json.loads(out.read_text())
    assert report == json.loads(capsys.readouterr().out)
    ped = report["Pedestrian"]
    assert ped["untruncated"]["count"] == ped["all"]["count"] == 1
    assert 0 < ped["all"]["mean"] < 0.3


def test_cli_bad_root_is_one_line_error(tmp_path):
    with pytest.raises(SystemExit) as e:
        main([str(tmp_path)])
    assert str(e.value).startswith("error: ")
