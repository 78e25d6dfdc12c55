"""KITTI coordinate frames and 3D boxes, vectorised numpy (float64 inside).

Frames: velodyne (x forward, y left, z up) -> reference camera 0 (Tr_velo_to_cam) -> rectified
camera (R0_rect; x right, y down, z forward) -> image of camera i (P_i). A 3D box is given by
dimensions h, w, l, the bottom-centre location (x, y, z) in the rectified frame and the yaw
rotation_y about the camera y axis (0 = facing camera +x).
"""

from __future__ import annotations

import numpy as np


def wrap_angle(a):
    """Wrap angle(s) to [-pi, pi)."""
    return np.mod(np.asarray(a, dtype=np.float64) + np.pi, 2 * np.pi) - np.pi


def _homogeneous(pts: np.ndarray) -> np.ndarray:
    pts = np.asarray(pts, dtype=np.float64).reshape(-1, 3)
    return np.concatenate([pts, np.ones((len(pts), 1))], axis=1)


def _velo_to_rect_matrix(calib) -> np.ndarray:
    """(4, 4) matrix R0_rect @ Tr_velo_to_cam in homogeneous coordinates."""
    r0 = np.eye(4)
    r0[:3, :3] = calib.R0_rect
    tr = np.eye(4)
    tr[:3, :4] = calib.Tr_velo_to_cam
    return r0 @ tr


def velo_to_rect(pts_velo: np.ndarray, calib) -> np.ndarray:
    """(N, 3) velodyne points -> (N, 3) rectified camera coordinates."""
    return (_homogeneous(pts_velo) @ _velo_to_rect_matrix(calib).T)[:, :3]


def rect_to_velo(pts_rect: np.ndarray, calib) -> np.ndarray:
    """(N, 3) rectified camera points -> (N, 3) velodyne coordinates (inverse of velo_to_rect)."""
    return (_homogeneous(pts_rect) @ np.linalg.inv(_velo_to_rect_matrix(calib)).T)[:, :3]


def rect_to_image(pts_rect: np.ndarray, P: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Project (N, 3) rectified points with a (3, 4) camera matrix -> (N, 2) pixels, (N,) depth.

    Depth is the third homogeneous coordinate (z in front of the camera); points with depth <= 0
    get meaningless pixel coordinates, callers filter them.
    """
    uvw = _homogeneous(pts_rect) @ np.asarray(P, dtype=np.float64).T
    depth = uvw[:, 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        uv = uvw[:, :2] / depth[:, None]
    return uv, depth


def box3d_corners(dimensions: np.ndarray, location: np.ndarray,
                  rotation_y: np.ndarray) -> np.ndarray:
    """(N, 3) hwl, (N, 3) bottom centres, (N,) yaws -> (N, 8, 3) corners in the camera frame.

    Corner order as the KITTI devkit (computeBox3D): 0-3 bottom, 4-7 top; the object's front
    (its +x local axis, the heading) is the face 0, 1, 5, 4.
    """
    dims = np.asarray(dimensions, dtype=np.float64).reshape(-1, 3)
    loc = np.asarray(location, dtype=np.float64).reshape(-1, 3)
    ry = np.asarray(rotation_y, dtype=np.float64).reshape(-1)
    h, w, l = dims[:, 0:1], dims[:, 1:2], dims[:, 2:3]
    x = l / 2 * np.array([1, 1, -1, -1, 1, 1, -1, -1])
    y = h * np.array([0, 0, 0, 0, -1, -1, -1, -1])
    z = w / 2 * np.array([1, -1, -1, 1, 1, -1, -1, 1])
    c, s = np.cos(ry)[:, None], np.sin(ry)[:, None]
    # rotation about camera y: R = [[c, 0, s], [0, 1, 0], [-s, 0, c]]
    xr = c * x + s * z
    zr = -s * x + c * z
    return np.stack([xr, y, zr], axis=-1) + loc[:, None, :]


def project_box3d(corners: np.ndarray, P: np.ndarray) -> np.ndarray:
    """(N, 8, 3) corners -> (N, 4) x1, y1, x2, y2 box enclosing their projection (unclipped)."""
    corners = np.asarray(corners, dtype=np.float64).reshape(-1, 8, 3)
    uv, _ = rect_to_image(corners.reshape(-1, 3), P)
    uv = uv.reshape(-1, 8, 2)
    return np.concatenate([uv.min(axis=1), uv.max(axis=1)], axis=1)


def clip_box(boxes: np.ndarray, image_shape: tuple[int, int]) -> np.ndarray:
    """Clip (N, 4) x1, y1, x2, y2 boxes to an (H, W) image: x in [0, W-1], y in [0, H-1]."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4).copy()
    h, w = image_shape[:2]
    boxes[:, [0, 2]] = np.clip(boxes[:, [0, 2]], 0, w - 1)
    boxes[:, [1, 3]] = np.clip(boxes[:, [1, 3]], 0, h - 1)
    return boxes


def alpha_to_rotation_y(alpha, x, z):
    """Observation angle -> yaw: ry = alpha + arctan2(x, z), wrapped to [-pi, pi)."""
    return wrap_angle(np.asarray(alpha, dtype=np.float64) + np.arctan2(x, z))


def rotation_y_to_alpha(ry, x, z):
    """Yaw -> observation angle: alpha = ry - arctan2(x, z), wrapped to [-pi, pi)."""
    return wrap_angle(np.asarray(ry, dtype=np.float64) - np.arctan2(x, z))


def points_in_boxes(pts_rect: np.ndarray, dimensions: np.ndarray, location: np.ndarray,
                    rotation_y: np.ndarray) -> np.ndarray:
    """(N, 3) rectified points, M boxes (hwl, bottom centre, yaw) -> (N, M) bool, inside or on.

    A point is expressed in each box's local frame (undo translation and yaw) and tested against
    |x| <= l/2, -h <= y <= 0, |z| <= w/2.
    """
    pts = np.asarray(pts_rect, dtype=np.float64).reshape(-1, 3)
    dims = np.asarray(dimensions, dtype=np.float64).reshape(-1, 3)
    loc = np.asarray(location, dtype=np.float64).reshape(-1, 3)
    ry = np.asarray(rotation_y, dtype=np.float64).reshape(-1)
    d = pts[:, None, :] - loc[None, :, :]  # (N, M, 3)
    c, s = np.cos(ry)[None], np.sin(ry)[None]
    # inverse rotation R^T applied to (dx, dz)
    lx = c * d[..., 0] - s * d[..., 2]
    lz = s * d[..., 0] + c * d[..., 2]
    ly = d[..., 1]
    h, w, l = dims[None, :, 0], dims[None, :, 1], dims[None, :, 2]
    return (np.abs(lx) <= l / 2) & (ly <= 0) & (ly >= -h) & (np.abs(lz) <= w / 2)


def reduce_to_fov(points_velo: np.ndarray, calib, image_shape: tuple[int, int],
                  near: float = 0.001, far: float = 100.0) -> np.ndarray:
    """Keep the (N, 4) velodyne points inside camera 2's view frustum of an (H, W) image_2.

    This is the ``velodyne_reduced`` of SECOND / MMDetection3D's KITTI preparation
    (``remove_outside_points``: the frustum of the image rectangle between depths 0.001 and 100 m).
    """
    points_velo = np.asarray(points_velo)
    rect = velo_to_rect(points_velo[:, :3], calib)
    uv, depth = rect_to_image(rect, calib.P2)
    h, w = image_shape[:2]
    keep = ((depth >= near) & (depth <= far) & (uv[:, 0] >= 0) & (uv[:, 0] <= w)
            & (uv[:, 1] >= 0) & (uv[:, 1] <= h))
    return points_velo[keep]
