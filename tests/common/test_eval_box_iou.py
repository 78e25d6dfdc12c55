"""Axis-aligned box IoU: hand-checked overlaps, VOC's inclusive pixels, empty boxes."""

import numpy as np

from common.eval.box_iou import box_iou


def test_pairwise_iou_hand_checked():
    boxes = np.array([[0, 0, 10, 10], [5, 0, 15, 10], [20, 20, 30, 30]], np.float64)
    iou = box_iou(boxes, [[0, 0, 10, 10], [5, 5, 10, 10]])
    assert iou.shape == (3, 2)
    # [5, 0, 15, 10] with [5, 5, 10, 10]: 25 of the union 100
    np.testing.assert_allclose(iou, [[1.0, 0.25], [50 / 150, 0.25], [0.0, 0.0]])


def test_touching_boxes_do_not_overlap_but_inclusive_pixels_do():
    a, b = [[0, 0, 10, 10]], [[10, 0, 20, 10]]
    assert box_iou(a, b)[0, 0] == 0.0
    # VOC pixels 0..10 and 10..20 share the column x = 10: 11 of 11 * 11 * 2 - 11 pixels
    np.testing.assert_allclose(box_iou(a, b, inclusive=True), [[11 / 231]])
    np.testing.assert_allclose(box_iou([[1, 1, 1, 1]], [[1, 1, 1, 1]], inclusive=True), [[1.0]])


def test_empty_boxes_and_empty_sets():
    assert box_iou([[3, 3, 3, 3]], [[3, 3, 3, 3]])[0, 0] == 0.0  # no area: no overlap, not NaN
    assert box_iou(np.zeros((0, 4)), [[0, 0, 1, 1]]).shape == (0, 1)
    assert box_iou([[0, 0, 1, 1]], np.zeros((0, 4))).shape == (1, 0)


def test_float32_boxes_stay_float32():
    boxes = np.array([[0, 0, 10, 10]], np.float32)
    assert box_iou(boxes, boxes).dtype == np.float32
