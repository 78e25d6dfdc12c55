"""Network shapes, parameter counts, the bilinear deconv init and DCN with zero offsets."""

import pytest
import torch
from torch import nn

from centernet.models import build_model
from centernet.models.dcn import ModulatedDeformConv3x3
from centernet.models.heads import HM_BIAS, fill_up_weights


@pytest.mark.parametrize("arch", ["res18", "dla34"])
def test_outputs_at_stride_4(arch):
    model = build_model(arch, 3).eval()
    with torch.no_grad():
        out = model(torch.randn(1, 3, 64, 96))
    assert out["hm"].shape == (1, 3, 16, 24)
    assert out["wh"].shape == out["reg"].shape == (1, 2, 16, 24)


def test_parameter_counts():
    # ResNet-18 trunk 11.18 M (torchvision, without fc) + neck + heads
    count = {a: sum(p.numel() for p in build_model(a, 20).parameters()) for a in ("res18", "dla34")}
    assert count == {"res18": 14_215_640, "dla34": 19_022_408}


def test_heatmap_bias_and_head_conv_widths():
    res = build_model("res18", 20)
    dla = build_model("dla34", 20)
    assert torch.all(res.heads.heads["hm"][-1].bias == HM_BIAS)
    assert res.heads.heads["wh"][0].out_channels == 64  # head_conv 64 for ResNet
    assert dla.heads.heads["wh"][0].out_channels == 256  # and 256 for DLA


def test_fill_up_weights_is_bilinear():
    up = nn.ConvTranspose2d(2, 2, 4, stride=2, padding=1, groups=2, bias=False)
    fill_up_weights(up)
    # f = 2, c = 0.75: 1 - |i/2 - 0.75| = 0.25, 0.75, 0.75, 0.25 along each axis
    k = torch.tensor([0.25, 0.75, 0.75, 0.25])
    torch.testing.assert_close(up.weight[1, 0], torch.outer(k, k))
    # a constant image stays constant inside after 2x upsampling
    y = up(torch.ones(1, 2, 4, 4))
    torch.testing.assert_close(y[0, :, 1:-1, 1:-1], torch.ones(2, 6, 6))


def test_official_full_deconv_init_sums_channels_into_channel_0_and_the_fix_does_not():
    x = torch.zeros(1, 3, 4, 4)
    x[0, 1] = 1.0  # only input channel 1 is on
    torch.manual_seed(0)
    official = nn.ConvTranspose2d(3, 3, 4, stride=2, padding=1, bias=False)
    fill_up_weights(official)  # the ResNet neck's deconv (xingyizhou/CenterNet#817)
    y = official(x)[0, :, 1:-1, 1:-1]
    torch.testing.assert_close(y[0], torch.ones(6, 6))  # channel 1 lands in output channel 0
    assert y[1].abs().max() > 0  # output channels 1, 2 keep random weights
    fixed = nn.ConvTranspose2d(3, 3, 4, stride=2, padding=1, bias=False)
    fill_up_weights(fixed, per_channel=True)
    y = fixed(x)[0, :, 1:-1, 1:-1]
    torch.testing.assert_close(y, torch.stack([torch.zeros(6, 6), torch.ones(6, 6),
                                               torch.zeros(6, 6)]))


def test_head_conv_and_per_channel_up_options():
    res = build_model("res18", 20, head_conv=256, per_channel_up=True)
    assert res.heads.heads["hm"][0].out_channels == 256 and res.heads.head_conv == 256
    up = res.neck.layers[3]
    assert isinstance(up, nn.ConvTranspose2d) and up.weight[0, 1].abs().sum() == 0
    assert up.weight[1, 1].sum() > 0


def test_dcn_with_zero_offsets_is_half_a_plain_conv():
    torch.manual_seed(0)
    dcn = ModulatedDeformConv3x3(4, 5)
    x = torch.randn(1, 4, 7, 7)
    # offsets start at 0 and the mask at sigmoid(0) = 0.5
    plain = nn.functional.conv2d(x, dcn.weight, None, padding=1)
    torch.testing.assert_close(dcn(x), 0.5 * plain + dcn.bias.view(1, -1, 1, 1),
                               rtol=1e-4, atol=1e-5)


def test_dcn_models_build():
    out = build_model("res18", 2, dcn=True).eval()(torch.randn(1, 3, 32, 32))
    assert out["hm"].shape == (1, 2, 8, 8)


def test_pretrained_backbone_loads_from_a_local_file(tmp_path):
    import torchvision

    ref = torchvision.models.resnet18(weights=None)
    torch.save(ref.state_dict(), tmp_path / "resnet18.pth")
    model = build_model("res18", 2, pretrained=str(tmp_path / "resnet18.pth"))
    torch.testing.assert_close(model.backbone[0].weight, ref.conv1.weight)
    torch.testing.assert_close(model.backbone[7][1].conv2.weight, ref.layer4[1].conv2.weight)


SIZES = [(h, w) for h in (32, 64, 96, 160, 256) for w in (32, 96, 512)] + [(384, 1280)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_skip_neck_output_shape_matches_the_official_neck(size):
    # every input size the CLIs accept is a multiple of 32 (centernet.train.input_size_arg)
    x = torch.randn(1, 3, *size)
    shapes = {}
    for neck in ("official", "skip"):
        model = build_model("res18", 4, neck=neck).eval()
        with torch.no_grad():
            shapes[neck] = {k: v.shape for k, v in model(x).items()}
    assert shapes["skip"] == shapes["official"]
    assert shapes["skip"]["hm"] == (1, 4, size[0] // 4, size[1] // 4)


def test_skip_neck_with_zero_laterals_is_the_official_network():
    torch.manual_seed(0)
    official = build_model("res18", 3).eval()
    skip = build_model("res18", 3, neck="skip").eval()
    missing, unexpected = skip.load_state_dict(official.state_dict(), strict=False)
    assert unexpected == [] and sorted(missing) == [
        f"neck.laterals.{i}.{p}" for i in range(3) for p in ("bias", "weight")]
    # C5 (512) -> stride 16 (256), C4 (256) -> stride 8 (128), C3 (128) -> stride 4 (64)
    assert [(m.in_channels, m.out_channels) for m in skip.neck.laterals] == [
        (512, 256), (256, 128), (128, 64)]
    x = torch.randn(1, 3, 64, 96)
    with torch.no_grad():
        for lateral in skip.neck.laterals:
            lateral.weight.zero_()
            lateral.bias.zero_()
        out_skip, out_official = skip(x), official(x)
    for k in out_official:
        torch.testing.assert_close(out_skip[k], out_official[k])


def test_skip_neck_carries_c3_straight_to_the_stride_4_output():
    torch.manual_seed(0)
    model = build_model("res18", 3, neck="skip").eval()
    c3, c4, c5 = (f.detach().requires_grad_() for f in model.features(torch.randn(1, 3, 64, 64)))
    model.neck([c3, c4, c5]).sum().backward()
    # C3 enters the neck only through the last lateral, whose 1x1 conv output is upsampled x2
    # (nearest) onto the stride-4 output: d(sum)/dC3[k, y, x] = 4 * sum_o W[o, k]
    w = model.neck.laterals[2].weight[:, :, 0, 0]
    expected = (4 * w.sum(0)).view(1, -1, 1, 1).expand_as(c3)
    torch.testing.assert_close(c3.grad, expected)
    # the official neck reads C5 alone
    official = build_model("res18", 3).eval()
    assert official.neck([None, None, c5]).shape == (1, 64, 16, 16)


def test_skip_neck_is_for_resnet_only():
    with pytest.raises(ValueError, match="dla34 has its own IDA-up"):
        build_model("dla34", 3, neck="skip")
    with pytest.raises(ValueError, match="unknown neck"):
        build_model("res18", 3, neck="fpn")


def test_skip_neck_parameter_count():
    # official 14,215,640 + 1x1 laterals (512*256 + 256) + (256*128 + 128) + (128*64 + 64)
    count = sum(p.numel() for p in build_model("res18", 20, neck="skip").parameters())
    assert count == 14_215_640 + 131_328 + 32_896 + 8_256
