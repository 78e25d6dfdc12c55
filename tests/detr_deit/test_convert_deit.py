"""Official DeiT checkpoint -> mmpretrain: same features as the original network."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from detr_deit.tools.convert_deit import convert, convert_key, main

DIMS, HEADS, HIDDEN, LAYERS = 192, 3, 768, 12  # DeiT-tiny


class RefBlock(nn.Module):
    """A block of the original DeiT (timm VisionTransformer), with its parameter names."""

    def __init__(self):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(DIMS, eps=1e-6), nn.LayerNorm(DIMS, eps=1e-6)
        self.attn, self.mlp = nn.Module(), nn.Module()
        self.attn.qkv, self.attn.proj = nn.Linear(DIMS, 3 * DIMS), nn.Linear(DIMS, DIMS)
        self.mlp.fc1, self.mlp.fc2 = nn.Linear(DIMS, HIDDEN), nn.Linear(HIDDEN, DIMS)

    def forward(self, x):
        b, n, c = x.shape
        q, k, v = self.attn.qkv(self.norm1(x)).reshape(b, n, 3, HEADS, c // HEADS).permute(
            2, 0, 3, 1, 4)
        attn = (q @ k.transpose(-2, -1) * (c // HEADS) ** -0.5).softmax(-1)
        x = x + self.attn.proj((attn @ v).transpose(1, 2).reshape(b, n, c))
        return x + self.mlp.fc2(F.gelu(self.mlp.fc1(self.norm2(x))))


class RefDeiT(nn.Module):
    def __init__(self):
        super().__init__()
        self.patch_embed = nn.Module()
        self.patch_embed.proj = nn.Conv2d(3, DIMS, 16, 16)
        self.cls_token = nn.Parameter(torch.randn(1, 1, DIMS) * 0.02)
        self.pos_embed = nn.Parameter(torch.randn(1, 197, DIMS) * 0.02)
        self.blocks = nn.ModuleList(RefBlock() for _ in range(LAYERS))
        self.norm = nn.LayerNorm(DIMS, eps=1e-6)
        self.head = nn.Linear(DIMS, 1000)
        with torch.no_grad():  # non-trivial norms so a swapped ln1/ln2 would show
            for m in self.modules():
                if isinstance(m, nn.LayerNorm):
                    m.weight.uniform_(0.5, 1.5)
                    m.bias.normal_(0, 0.1)

    def forward(self, img, with_cls_token: bool = True):
        x = self.patch_embed.proj(img).flatten(2).transpose(1, 2)
        if with_cls_token:
            x = torch.cat([self.cls_token.expand(len(x), -1, -1), x], 1) + self.pos_embed
        else:  # the detector's use: patch tokens only, with their position entries
            x = x + self.pos_embed[:, 1:]
        for block in self.blocks:
            x = block(x)
        return self.norm(x)


@pytest.fixture(scope="module")
def reference():
    torch.manual_seed(0)
    return RefDeiT().eval()


def test_key_names():
    assert convert_key("blocks.11.mlp.fc2.weight") == "backbone.layers.11.ffn.layers.1.weight"
    assert convert_key("blocks.0.mlp.fc1.bias") == "backbone.layers.0.ffn.layers.0.0.bias"
    assert convert_key("blocks.3.attn.qkv.weight") == "backbone.layers.3.attn.qkv.weight"
    assert convert_key("norm.weight") == "backbone.ln1.weight"
    assert convert_key("patch_embed.proj.bias") == "backbone.patch_embed.projection.bias"
    assert convert_key("head.weight") == "head.layers.head.weight"
    with pytest.raises(ValueError, match="unexpected key 'fc_norm.weight'"):
        convert_key("fc_norm.weight")


def test_converted_weights_give_the_original_features(reference):
    from mmpretrain.models import VisionTransformer

    converted = convert({"model": reference.state_dict()})
    vit = VisionTransformer(arch="deit-tiny", out_type="raw")
    vit.eval()
    backbone = {k[len("backbone."):]: v for k, v in converted.items()
                if k.startswith("backbone.")}
    vit.load_state_dict(backbone, strict=True)
    img = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        (ours,) = vit(img)
        theirs = reference(img)
    torch.testing.assert_close(ours, theirs, atol=1e-4, rtol=1e-4)


def test_detector_loads_it_through_init_cfg_prefix(reference, load_cfg, tmp_path):
    """The CLI's file, loaded by init_cfg=Pretrained(prefix='backbone.'); the class-token
    entry of the position table is dropped and the feature map equals the patch tokens."""
    from conftest import build_model

    src, dst = tmp_path / "deit_tiny_patch16_224.pth", tmp_path / "deit-tiny_mmpretrain.pth"
    torch.save({"model": reference.state_dict()}, src)
    main([str(src), str(dst)])
    cfg = load_cfg("detr_deit-tiny_8xb1-150e_scannet-frames.py")
    cfg.model.backbone.init_cfg = dict(type="Pretrained", checkpoint=str(dst), prefix="backbone.")
    model = build_model(cfg)
    model.eval()
    torch.testing.assert_close(model.backbone.pos_embed, reference.pos_embed[:, 1:])
    img = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        (feat,) = model.backbone(img)
        tokens = reference(img, with_cls_token=False)  # (1, 196, 192)
    assert feat.shape == (1, 192, 14, 14)
    torch.testing.assert_close(feat.flatten(2).transpose(1, 2), tokens, atol=1e-4, rtol=1e-4)
