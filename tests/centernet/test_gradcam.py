"""Grad-CAM of a detection: the formula on hand-checked numbers, the peak it explains, the demo."""

import numpy as np
import pytest
import torch
from PIL import Image

from centernet import demo
from centernet.gradcam import detection_cams, grad_cam
from centernet.models import build_model


def test_grad_cam_formula_hand_checked():
    a = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]],
                       [[4.0, 0.0], [0.0, 8.0]]]], requires_grad=True)  # (1, 2, 2, 2)
    score = 3 * a[0, 0, 0, 0] - a[0, 1, 1, 1]
    # dy/dA: channel 0 is 3 at (0, 0), channel 1 is -1 at (1, 1): alpha = (0.75, -0.25)
    # 0.75 * A0 - 0.25 * A1 = [[-0.25, 1.5], [2.25, 1.0]] -> ReLU -> / max 2.25
    expected = torch.tensor([[0.0, 1.5], [2.25, 1.0]]) / 2.25
    torch.testing.assert_close(grad_cam(a, score), expected)


def test_grad_cam_is_zero_when_no_channel_helps():
    a = torch.ones(1, 1, 2, 2, requires_grad=True)
    assert grad_cam(a, -a.sum()).abs().sum() == 0


@pytest.mark.parametrize("arch", ["res18", "dla34"])
def test_detection_cams_explain_the_ranked_peaks(arch):
    torch.manual_seed(0)
    model = build_model(arch, 3).eval()
    x = torch.randn(1, 3, 64, 96)
    cams, (cls, y, xx), score = detection_cams(model, x, rank=0)
    assert cams["backbone"].shape == (2, 3) and cams["neck"].shape == (16, 24)
    for cam in cams.values():
        assert cam.min() >= 0 and cam.max() <= 1
    with torch.no_grad():
        heat = model(x)["hm"].sigmoid()
    assert score == pytest.approx(float(heat.max()), rel=1e-5)  # rank 0: the global peak
    assert float(heat[0, cls, y, xx]) == pytest.approx(score, rel=1e-5)
    _, second, score2 = detection_cams(model, x, rank=1)
    assert second != (cls, y, xx) and score2 <= score
    assert model.training is False and all(p.grad is None for p in model.parameters())


def test_demo_writes_the_gradcam_view(tiny_voc, tiny_checkpoint, tmp_path, capsys):
    img = tiny_voc / "VOC2007" / "JPEGImages" / "000004.png"
    demo.main([str(img), "--checkpoint", str(tiny_checkpoint), "--out", str(tmp_path),
               "--gradcam", "0"])
    view = np.asarray(Image.open(tmp_path / "000004_gradcam.png"))
    # three panels side by side, each the image's size
    assert view.shape[1] == pytest.approx(3 * 96, abs=3)
    assert str(tmp_path / "000004_gradcam.png") in capsys.readouterr().out
    with pytest.raises(SystemExit):
        demo.main([str(img), "--checkpoint", str(tiny_checkpoint), "--gradcam", "-1"])
    assert "--gradcam expects a rank >= 0" in capsys.readouterr().err
