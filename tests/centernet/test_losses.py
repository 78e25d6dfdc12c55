"""Focal and L1 losses on tiny tensors with hand-computed values."""

import math

import pytest
import torch

from centernet.losses import clamped_sigmoid, ctdet_loss, focal_loss, reg_l1_loss


def test_focal_loss_tiny_tensor():
    pred = torch.tensor([0.8, 0.3, 0.1]).view(1, 1, 1, 3)
    gt = torch.tensor([1.0, 0.5, 0.0]).view(1, 1, 1, 3)
    # pos: log(0.8) * 0.2^2 = -0.0089257; neg (gt 0.5): log(0.7) * 0.3^2 * 0.5^4 = -0.0020063;
    # neg (gt 0): log(0.9) * 0.1^2 * 1 = -0.0010536; one positive -> loss 0.0119857
    expected = -(math.log(0.8) * 0.04 + math.log(0.7) * 0.09 * 0.0625 + math.log(0.9) * 0.01)
    assert expected == pytest.approx(0.0119857, abs=1e-7)
    assert focal_loss(pred, gt).item() == pytest.approx(expected, rel=1e-5)


def test_focal_loss_without_positives_is_negative_term_only():
    pred = torch.tensor([0.5]).view(1, 1, 1, 1)
    gt = torch.zeros(1, 1, 1, 1)
    assert focal_loss(pred, gt).item() == pytest.approx(-math.log(0.5) * 0.25, rel=1e-6)


def test_clamped_sigmoid():
    p = clamped_sigmoid(torch.tensor([-50.0, 0.0, 50.0]))
    assert p.tolist() == pytest.approx([1e-4, 0.5, 1 - 1e-4])


def test_reg_l1_loss_masks_and_normalises_by_both_channels():
    out = torch.zeros(1, 2, 2, 2)
    out[0, :, 1, 0] = torch.tensor([3.0, 5.0])  # cell y=1, x=0 -> flat index 2
    ind = torch.tensor([[2, 0]])
    mask = torch.tensor([[1, 0]], dtype=torch.uint8)
    target = torch.tensor([[[1.0, 1.0], [9.0, 9.0]]])  # the second object is masked out
    # |3-1| + |5-1| = 6 over mask.sum() = 2 channels -> 3
    assert reg_l1_loss(out, mask, ind, target).item() == pytest.approx(3.0, rel=1e-4)


def test_ctdet_loss_weights():
    out = {"hm": torch.full((1, 1, 2, 2), 0.0), "wh": torch.zeros(1, 2, 2, 2),
           "reg": torch.zeros(1, 2, 2, 2)}
    batch = {"hm": torch.tensor([[[[1.0, 0], [0, 0]]]]), "ind": torch.tensor([[0]]),
             "reg_mask": torch.tensor([[1]], dtype=torch.uint8),
             "wh": torch.tensor([[[4.0, 2.0]]]), "reg": torch.tensor([[[0.5, 0.5]]])}
    loss, parts = ctdet_loss(out, batch)
    # hm: p = 0.5 everywhere: pos 0.25 log 0.5, three negatives 0.25 log 0.5 each -> -log(0.5)
    assert parts["hm_loss"].item() == pytest.approx(-math.log(0.5), rel=1e-5)
    assert parts["wh_loss"].item() == pytest.approx(3.0, rel=1e-4)
    assert parts["off_loss"].item() == pytest.approx(0.5, rel=1e-4)
    assert loss.item() == pytest.approx(-math.log(0.5) + 0.1 * 3.0 + 0.5, rel=1e-4)
