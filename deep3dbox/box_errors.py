"""The paper's 3D box errors of matched boxes (Mousavian et al., CVPR 2017, Sec. 5.3, Table 3):
the error of the box centre, of the box's closest point to the camera, and the 3D IoU.

Boxes are KITTI's: h, w, l (N, 3), bottom centre location (N, 3) in the camera frame (y down),
yaw rotation_y (N,) about the camera's y axis.
"""

from __future__ import annotations

import numpy as np

from common.eval.rotated_iou import box3d_iou


def box_centres(dimensions, location) -> np.ndarray:
    """(N, 3) centres of the boxes: the bottom centre raised by h / 2 (y points down)."""
    dims = np.asarray(dimensions, dtype=np.float64).reshape(-1, 3)
    centre = np.asarray(location, dtype=np.float64).reshape(-1, 3).copy()
    centre[:, 1] -= dims[:, 0] / 2
    return centre


def closest_points(dimensions, location, rotation_y) -> np.ndarray:
    """(N, 3) the point of each solid box nearest to the camera centre (the origin).

    The origin, taken into the box's frame (length along the heading (cos ry, 0, -sin ry), width
    along (sin ry, 0, cos ry), height along y), is clamped to the half extents and taken back.
    """
    dims = np.asarray(dimensions, dtype=np.float64).reshape(-1, 3)
    centre = box_centres(dims, location)
    ry = np.asarray(rotation_y, dtype=np.float64).reshape(-1)
    zeros = np.zeros_like(ry)
    axes = np.stack([np.stack([np.cos(ry), zeros, -np.sin(ry)], -1),  # length
                     np.stack([zeros, zeros + 1.0, zeros], -1),  # height
                     np.stack([np.sin(ry), zeros, np.cos(ry)], -1)], axis=1)  # width: (N, 3, 3)
    half = dims[:, [2, 0, 1]] / 2  # l, h, w
    local = np.clip(np.einsum("nij,nj->ni", axes, -centre), -half, half)
    return centre + np.einsum("nij,ni->nj", axes, local)


def paired_iou3d(a_dims, a_loc, a_ry, b_dims, b_loc, b_ry) -> np.ndarray:
    """(N,) 3D IoU of box i of a with box i of b (KITTI devkit's box3DOverlap)."""
    def rows(dims, loc, ry):
        dims = np.asarray(dims, dtype=np.float64).reshape(-1, 3)
        return np.concatenate([np.asarray(loc, dtype=np.float64).reshape(-1, 3), dims,
                               np.asarray(ry, dtype=np.float64).reshape(-1, 1)], axis=1)

    a, b = rows(a_dims, a_loc, a_ry), rows(b_dims, b_loc, b_ry)
    return np.array([box3d_iou(a[i:i + 1], b[i:i + 1])[0, 0] for i in range(len(a))])
