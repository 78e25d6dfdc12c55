"""Rotated BEV / 3D overlaps: hand-computed cases and shapely on random boxes."""

import math

import numpy as np
import pytest
from shapely.geometry import Polygon

from common.eval.rotated_iou import bev_intersection, bev_iou, box3d_iou
from common.kitti import geometry as kg


def test_axis_aligned_squares_half_shifted():
    # unit squares, one shifted by 0.5 in x: intersection 0.5, union 1.5
    a = np.array([[0.0, 0.0, 1.0, 1.0, 0.0]])
    b = np.array([[0.5, 0.0, 1.0, 1.0, 0.0]])
    assert bev_iou(a, b)[0, 0] == pytest.approx(1 / 3)
    assert bev_iou(a, b, criterion=0)[0, 0] == pytest.approx(0.5)


def test_square_and_its_45_degree_rotation():
    # the intersection is a regular octagon of area 2 (sqrt 2 - 1) for unit squares
    a = np.array([[3.0, 7.0, 1.0, 1.0, 0.0]])
    b = np.array([[3.0, 7.0, 1.0, 1.0, math.pi / 4]])
    inter = 2 * (math.sqrt(2) - 1)
    assert bev_intersection(a, b)[0, 0] == pytest.approx(inter)
    assert bev_iou(a, b)[0, 0] == pytest.approx(inter / (2 - inter))


def test_rotation_by_pi_is_the_same_box_and_disjoint_boxes_are_zero():
    a = np.array([[1.0, 2.0, 4.0, 1.5, 0.3]])
    b = np.array([[1.0, 2.0, 4.0, 1.5, 0.3 + math.pi], [50.0, 2.0, 4.0, 1.5, 0.3]])
    iou = bev_iou(a, b)
    assert iou[0, 0] == pytest.approx(1.0)
    assert iou[0, 1] == 0.0


def test_3d_is_ground_intersection_times_height_overlap():
    # same ground box; heights [y-h, y] = [0, 2] and [1, 2]: inter vol = 4*2*1 = 8, vols 16 and 8
    a = np.array([[0.0, 2.0, 10.0, 2.0, 2.0, 4.0, 0.2]])
    b = np.array([[0.0, 2.0, 10.0, 1.0, 2.0, 4.0, 0.2]])
    assert box3d_iou(a, b)[0, 0] == pytest.approx(8 / (16 + 8 - 8))
    b_low = b.copy()
    b_low[0, 1] = 3.5  # spans [2.5, 3.5]: no vertical overlap
    assert box3d_iou(a, b_low)[0, 0] == 0.0


def _shapely_bev(dims, loc, ry):
    """Ground polygons from common.kitti.geometry's corners (an independent code path)."""
    corners = kg.box3d_corners(dims, loc, ry)[:, :4][:, :, [0, 2]]
    return [Polygon(c) for c in corners]


def test_random_boxes_agree_with_shapely():
    rng = np.random.default_rng(0)
    n = 60
    dims = np.stack([rng.uniform(1, 2, n), rng.uniform(0.5, 2, n), rng.uniform(0.5, 5, n)], 1)
    loc = np.stack([rng.uniform(-3, 3, n), rng.uniform(1, 2, n), rng.uniform(10, 16, n)], 1)
    ry = rng.uniform(-math.pi, math.pi, n)
    polys = _shapely_bev(dims, loc, ry)
    expected_bev = np.array([[p.intersection(q).area / p.union(q).area for q in polys]
                             for p in polys])
    boxes_bev = np.stack([loc[:, 0], loc[:, 2], dims[:, 2], dims[:, 1], ry], 1)
    got_bev = bev_iou(boxes_bev, boxes_bev)
    assert (expected_bev > 0.01).sum() > 3 * n  # many overlapping pairs, not just the diagonal
    np.testing.assert_allclose(got_bev, expected_bev, atol=1e-9)

    h = dims[:, 0]
    ymax = np.minimum(loc[:, None, 1], loc[None, :, 1])
    ymin = np.maximum(loc[:, None, 1] - h[:, None], loc[None, :, 1] - h[None, :])
    inter = np.array([[p.intersection(q).area for q in polys] for p in polys])
    inter_vol = inter * np.maximum(0, ymax - ymin)
    vol = dims.prod(1)
    expected_3d = inter_vol / (vol[:, None] + vol[None, :] - inter_vol)
    boxes_3d = np.concatenate([loc, dims, ry[:, None]], 1)
    np.testing.assert_allclose(box3d_iou(boxes_3d, boxes_3d), expected_3d, atol=1e-9)
