"""Decoding a hand-made heatmap, mapping back to the image, flip merge, Soft-NMS."""

import numpy as np
import pytest
import torch

from centernet.decode import (
    ctdet_decode,
    flip_merge,
    merge_outputs,
    peak_nms,
    soft_nms_gaussian,
    to_image_coords,
)


def _maps():
    heat = torch.zeros(1, 2, 8, 8)
    heat[0, 0, 3, 2] = 0.9
    heat[0, 0, 3, 3] = 0.5  # neighbour of the 0.9 peak: not a local max
    heat[0, 1, 5, 6] = 0.7
    wh = torch.zeros(1, 2, 8, 8)
    wh[0, :, 3, 2] = torch.tensor([4.0, 2.0])
    wh[0, :, 5, 6] = torch.tensor([2.0, 2.0])
    reg = torch.zeros(1, 2, 8, 8)
    reg[0, :, 3, 2] = torch.tensor([0.25, 0.5])
    return heat, wh, reg


def test_peak_nms_keeps_local_maxima_only():
    heat, _, _ = _maps()
    kept = peak_nms(heat)
    assert kept[0, 0, 3, 2] == 0.9 and kept[0, 0, 3, 3] == 0 and kept[0, 1, 5, 6] == 0.7


def test_decode_hand_made_heatmap():
    heat, wh, reg = _maps()
    dets = ctdet_decode(heat, wh, reg, k=3)[0]
    # peak (x 2, y 3) + offset (0.25, 0.5) = centre (2.25, 3.5), size 4 x 2
    np.testing.assert_allclose(dets[0].numpy(), [0.25, 2.5, 4.25, 4.5, 0.9, 0], atol=1e-6)
    # class 1 peak (6, 5), no offset, size 2 x 2
    np.testing.assert_allclose(dets[1].numpy(), [5, 4, 7, 6, 0.7, 1], atol=1e-6)
    assert dets[2, 4] == 0  # the suppressed 0.5 never appears


def test_to_image_coords():
    # a 64x32 (W x H) image fitted into the input: centre (32, 16), side 64, 8x8 output map,
    # 8 image pixels per output cell: x = (x_out - 4) * 8 + 32, y = (y_out - 4) * 8 + 16
    dets = np.array([[0.25, 2.5, 4.25, 4.5, 0.9, 0]], np.float32)
    out = to_image_coords(dets, np.array([32.0, 16.0]), 64.0, (8, 8))
    np.testing.assert_allclose(out[0], [2, 4, 34, 20, 0.9, 0], atol=1e-5)


def test_flip_merge_averages_mirrored_maps():
    hm = torch.zeros(2, 1, 1, 4)
    hm[0, 0, 0, 0] = 2.0  # logits
    hm[1, 0, 0, 3] = 2.0  # the mirrored image sees it at the mirrored column
    wh = torch.zeros(2, 2, 1, 4)
    wh[0, :, 0, 0] = 4.0
    wh[1, :, 0, 3] = 2.0
    reg = torch.ones(2, 2, 1, 4)
    reg[1] = 7.0
    m_hm, m_wh, m_reg = flip_merge({"hm": hm, "wh": wh, "reg": reg})
    assert m_hm[0, 0, 0, 0].item() == pytest.approx(torch.sigmoid(torch.tensor(2.0)).item())
    assert m_wh[0, 0, 0, 0].item() == 3.0
    assert m_reg.unique().tolist() == [1.0]  # offsets of the unflipped image only


def test_soft_nms_gaussian_decays_overlaps():
    dets = np.array([[0, 0, 9, 9, 0.9], [0, 0, 9, 9, 0.8], [50, 50, 59, 59, 0.7]], np.float32)
    kept = soft_nms_gaussian(dets)
    # identical box: IoU 1 -> 0.8 * exp(-1 / 0.5) = 0.108268; the far box is untouched
    np.testing.assert_allclose(kept[:, 4], [0.9, 0.7, 0.8 * np.exp(-2)], rtol=1e-5)


def test_merge_outputs_keeps_best_k():
    a = np.array([[0, 0, 1, 1, 0.2, 0], [0, 0, 1, 1, 0.6, 1]], np.float32)
    b = np.array([[0, 0, 1, 1, 0.4, 0]], np.float32)
    out = merge_outputs([np.concatenate([a, b])], 2, max_per_image=2)
    assert out[:, 4].tolist() == pytest.approx([0.6, 0.4])
