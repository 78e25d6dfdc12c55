"""Exact ray casting against oriented boxes, convex solids and planes: the renderer of every
synthetic dataset.

A box is its centre (3,), rotation ``rot`` (3, 3) whose columns are the box's local axes in the
world frame, and half extents (3,). Faces are numbered ``2 * axis + (1 if on the + side else 0)``,
so face 1 is the +x face (a KITTI object's front). A convex solid is a set of K planes (K, 4):
unit outward normal and offset in a local frame, the solid being ``normal . p <= offset`` for all
of them; its faces are numbered by plane.
"""

from __future__ import annotations

import numpy as np

FACE_NORMALS_LOCAL = np.array(
    [[-1, 0, 0], [1, 0, 0], [0, -1, 0], [0, 1, 0], [0, 0, -1], [0, 0, 1]], dtype=np.float64
)


def ray_box(
    origin: np.ndarray, dirs: np.ndarray, center: np.ndarray, rot: np.ndarray, half: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Slab test of rays ``origin + t * dirs`` ((3,) or (N, 3), (N, 3)) against one box.

    Returns t (N,) of the entry point (inf on a miss or for a box behind the origin), the entry
    face (N,) int (see module doc, -1 on a miss) and the entry point in box-local coordinates
    (N, 3).
    """
    o = (np.asarray(origin, dtype=np.float64) - center) @ rot  # local = R^T (p - c)
    d = np.asarray(dirs, dtype=np.float64) @ rot
    d[np.abs(d) < 1e-12] = 1e-12
    inv = 1.0 / d
    t1 = (-half - o) * inv
    t2 = (half - o) * inv
    tnear = np.minimum(t1, t2)
    t_in = tnear.max(axis=1)
    hits = np.flatnonzero((np.maximum(t1, t2).min(axis=1) >= t_in) & (t_in > 1e-9))
    n = len(d)
    t, face, local = np.full(n, np.inf), np.full(n, -1), np.zeros((n, 3))
    axis = tnear[hits].argmax(axis=1)
    t[hits] = t_in[hits]
    face[hits] = 2 * axis + (d[hits, axis] < 0)  # entering against the ray: + face when d < 0
    local[hits] = (o[hits] if o.ndim == 2 else o) + t_in[hits, None] * d[hits]
    return t, face, local


def ray_convex(
    origin: np.ndarray, dirs: np.ndarray, center: np.ndarray, rot: np.ndarray, planes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rays ``origin + t * dirs`` ((3,) or (N, 3), (N, 3)) against S convex solids (S, K, 4) given
    in the local frame of (``center``, ``rot``), as one object: the nearest entry point wins.

    Returns t (N,) (inf on a miss or behind the origin), the solid (N,) and its entry face (N,)
    hit (-1 on a miss) and the entry point in local coordinates (N, 3).
    """
    o = (np.asarray(origin, dtype=np.float64) - center) @ rot
    d = np.asarray(dirs, dtype=np.float64) @ rot
    n = len(d)
    t, solid, face = np.full(n, np.inf), np.full(n, -1), np.full(n, -1)
    for s, solid_planes in enumerate(planes):
        normal, offset = solid_planes[:, :3], solid_planes[:, 3]
        den = d[:, :1] * normal[:, 0] + d[:, 1:2] * normal[:, 1] + d[:, 2:3] * normal[:, 2]
        den[den == 0] = 1e-300  # parallel: an exit at +-inf, a miss when outside the plane
        tk = (offset - o @ normal.T) / den  # (N, K)
        enter = den < 0
        t_enter = np.where(enter, tk, -np.inf)
        f = t_enter.argmax(axis=1)
        t_in = t_enter[np.arange(n), f]
        t_out = np.where(enter, np.inf, tk).min(axis=1)
        nearer = (t_in <= t_out) & (t_in > 1e-9) & (t_in < t)
        t[nearer], solid[nearer], face[nearer] = t_in[nearer], s, f[nearer]
    hit = np.isfinite(t)
    local = np.zeros((n, 3))
    local[hit] = (o[hit] if o.ndim == 2 else o) + t[hit, None] * d[hit]
    return t, solid, face, local


def ray_plane(
    origin: np.ndarray, dirs: np.ndarray, normal: np.ndarray, offset: float
) -> np.ndarray:
    """t (N,) where rays meet the plane ``normal . p = offset``; inf when parallel or behind."""
    normal = np.asarray(normal, dtype=np.float64)
    denom = np.asarray(dirs, dtype=np.float64) @ normal
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (offset - np.asarray(origin, dtype=np.float64) @ normal) / denom
    return np.where(np.isfinite(t) & (t > 1e-9), t, np.inf)


def yaw_rotation(yaw: float, up_axis: int) -> np.ndarray:
    """(3, 3) rotation by ``yaw`` about world axis ``up_axis`` (columns: local axes in world).

    ``up_axis=1`` with KITTI's camera frame gives R_y(ry) = [[c, 0, s], [0, 1, 0], [-s, 0, c]];
    ``up_axis=2`` gives the usual z-up yaw.
    """
    c, s = np.cos(yaw), np.sin(yaw)
    if up_axis == 1:
        return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]], dtype=np.float64)
    if up_axis == 2:
        return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]], dtype=np.float64)
    raise ValueError(f"expected up_axis 1 or 2, got {up_axis}")
