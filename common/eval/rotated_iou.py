"""Rotated-box overlaps on the CPU: bird's-eye-view rectangles and KITTI 3D boxes.

Definitions follow the KITTI devkit (``evaluate_object.cpp``): ``toPolygon`` builds the ground
rectangle in the camera x-z plane from (x, z, l, w, ry); ``groundBoxOverlap`` is polygon
intersection over union; ``box3DOverlap`` multiplies the ground intersection by the overlap of the
vertical extents [y - h, y] (camera y points down, y is the bottom) and divides by the volumes.

The polygon clipping runs in numba-compiled loops (CPU only): two convex quadrilaterals are
intersected with Sutherland-Hodgman clipping, after a circumscribed-circle test that skips pairs
that cannot touch.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True)
def _corners(x, z, l, w, ry, out):
    """Rectangle corners (4, 2) in x-z, counter-clockwise for positive l, w (devkit toPolygon)."""
    c, s = np.cos(ry), np.sin(ry)
    hl, hw = 0.5 * abs(l), 0.5 * abs(w)
    # devkit order (l/2, w/2), (l/2, -w/2), (-l/2, -w/2), (-l/2, w/2), rotated by
    # [[cos, sin], [-sin, cos]]; reversed here so that the winding is counter-clockwise.
    lx = (-hl, -hl, hl, hl)
    lz = (hw, -hw, -hw, hw)
    for k in range(4):
        out[k, 0] = x + c * lx[k] + s * lz[k]
        out[k, 1] = z - s * lx[k] + c * lz[k]


@numba.njit(cache=True)
def _polygon_area(pts, n):
    a = 0.0
    for k in range(n):
        j = (k + 1) % n
        a += pts[k, 0] * pts[j, 1] - pts[j, 0] * pts[k, 1]
    return 0.5 * abs(a)


@numba.njit(cache=True)
def _convex_intersection_area(p, q, buf_a, buf_b):
    """Area of the intersection of convex counter-clockwise quadrilaterals p and q (4, 2)."""
    n = 4
    for k in range(4):
        buf_a[k, 0] = p[k, 0]
        buf_a[k, 1] = p[k, 1]
    src, dst = buf_a, buf_b
    for e in range(4):
        ax, az = q[e, 0], q[e, 1]
        bx, bz = q[(e + 1) % 4, 0], q[(e + 1) % 4, 1]
        ex, ez = bx - ax, bz - az
        m = 0
        for k in range(n):
            cx, cz = src[k, 0], src[k, 1]
            dx, dz = src[(k + 1) % n, 0], src[(k + 1) % n, 1]
            sc = ex * (cz - az) - ez * (cx - ax)  # >= 0: inside (left of the edge)
            sd = ex * (dz - az) - ez * (dx - ax)
            if sc >= 0.0:
                dst[m, 0] = cx
                dst[m, 1] = cz
                m += 1
            if (sc >= 0.0) != (sd >= 0.0):
                t = sc / (sc - sd)
                dst[m, 0] = cx + t * (dx - cx)
                dst[m, 1] = cz + t * (dz - cz)
                m += 1
        n = m
        if n < 3:
            return 0.0
        src, dst = dst, src
    return _polygon_area(src, n)


@numba.njit(cache=True)
def _bev_intersection(a, b, out):
    """out[i, j] = ground-plane intersection area of a[i] and b[j]; rows are (x, z, l, w, ry)."""
    pa = np.empty((4, 2))
    pb = np.empty((4, 2))
    buf_a = np.empty((16, 2))
    buf_b = np.empty((16, 2))
    for i in range(a.shape[0]):
        ra = 0.5 * np.sqrt(a[i, 2] ** 2 + a[i, 3] ** 2)
        _corners(a[i, 0], a[i, 1], a[i, 2], a[i, 3], a[i, 4], pa)
        for j in range(b.shape[0]):
            rb = 0.5 * np.sqrt(b[j, 2] ** 2 + b[j, 3] ** 2)
            dx = a[i, 0] - b[j, 0]
            dz = a[i, 1] - b[j, 1]
            if dx * dx + dz * dz >= (ra + rb) ** 2:
                out[i, j] = 0.0
                continue
            _corners(b[j, 0], b[j, 1], b[j, 2], b[j, 3], b[j, 4], pb)
            out[i, j] = _convex_intersection_area(pa, pb, buf_a, buf_b)


def _as_bev(boxes: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(boxes, dtype=np.float64).reshape(-1, 5)


def bev_intersection(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Intersection areas (N, M) of ground rectangles a (N, 5) and b (M, 5) as (x, z, l, w, ry)."""
    a, b = _as_bev(a), _as_bev(b)
    out = np.zeros((len(a), len(b)))
    if len(a) and len(b):
        _bev_intersection(a, b, out)
    return out


def _ratio(inter: np.ndarray, size_a: np.ndarray, size_b: np.ndarray, criterion: int) -> np.ndarray:
    """devkit criterion: -1 union, 0 relative to a's size, 1 relative to b's size."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if criterion == -1:
            return inter / (size_a[:, None] + size_b[None, :] - inter)
        if criterion == 0:
            return inter / size_a[:, None] * np.ones_like(size_b)[None, :]
        if criterion == 1:
            return inter / size_b[None, :] * np.ones_like(size_a)[:, None]
    raise ValueError(f"criterion must be -1, 0 or 1, got {criterion}")


def bev_iou(a: np.ndarray, b: np.ndarray, criterion: int = -1) -> np.ndarray:
    """devkit ``groundBoxOverlap`` (N, M) for rectangles (x, z, l, w, ry)."""
    a, b = _as_bev(a), _as_bev(b)
    return _ratio(bev_intersection(a, b), a[:, 2] * a[:, 3], b[:, 2] * b[:, 3], criterion)


def _as_box3d(boxes: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(boxes, dtype=np.float64).reshape(-1, 7)


def box3d_intersection(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Intersection volumes (N, M) of KITTI boxes (x, y, z, h, w, l, ry), y the bottom centre."""
    a, b = _as_box3d(a), _as_box3d(b)
    ground = bev_intersection(a[:, [0, 2, 5, 4, 6]], b[:, [0, 2, 5, 4, 6]])
    ymax = np.minimum(a[:, None, 1], b[None, :, 1])
    ymin = np.maximum(a[:, None, 1] - a[:, None, 3], b[None, :, 1] - b[None, :, 3])
    return ground * np.maximum(0.0, ymax - ymin)


def box3d_iou(a: np.ndarray, b: np.ndarray, criterion: int = -1) -> np.ndarray:
    """devkit ``box3DOverlap`` (N, M) for boxes (x, y, z, h, w, l, ry) in the camera frame."""
    a, b = _as_box3d(a), _as_box3d(b)
    vol_a = a[:, 3] * a[:, 4] * a[:, 5]
    vol_b = b[:, 3] * b[:, 4] * b[:, 5]
    return _ratio(box3d_intersection(a, b), vol_a, vol_b, criterion)
