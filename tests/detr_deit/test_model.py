"""Predictions and the DeiT backbone's feature map on non-224 inputs."""

from __future__ import annotations

import torch
from conftest import build_model, small_batch

CONFIG = "detr_deit-tiny_8xb1-150e_scannet-frames.py"


def test_predictions_have_query_shapes_in_original_pixels(load_cfg):
    cfg = load_cfg(CONFIG)
    torch.manual_seed(0)
    model = build_model(cfg).eval()
    batch = small_batch(cfg, n=2, split="test", size=(224, 160))
    with torch.no_grad():
        results = model.test_step(batch)
    assert len(results) == 2
    for sample in results:
        pred = sample.pred_instances
        assert pred.bboxes.shape == (100, 4)  # one box per query (max_per_img=100)
        assert pred.scores.shape == (100,) and pred.labels.shape == (100,)
        assert pred.labels.min() >= 0 and pred.labels.max() < 20
        assert ((pred.scores >= 0) & (pred.scores <= 1)).all()
        h, w = sample.ori_shape  # rescaled back from the 224x160 input to the 128x96 frame
        assert (h, w) == (96, 128)
        assert (pred.bboxes[:, 0::2] <= w).all() and (pred.bboxes[:, 1::2] <= h).all()
        assert (pred.bboxes >= 0).all()


def test_deit_featmap_follows_the_input_size(load_cfg):
    """16x16 patches: (B, 192, H/16, W/16); the 14x14 position table is interpolated."""
    model = build_model(load_cfg(CONFIG)).eval()
    with torch.no_grad():
        for h, w in [(224, 224), (320, 480), (96, 128)]:
            (feat,) = model.backbone(torch.zeros(1, 3, h, w))
            assert feat.shape == (1, 192, h // 16, w // 16)
    assert model.backbone.pos_embed.shape == (1, 14 * 14, 192)  # no class-token entry


def test_neck_and_transformer_run_at_192_dims(load_cfg):
    model = build_model(load_cfg(CONFIG))
    assert model.neck.convs[0].conv.in_channels == 192
    assert model.neck.convs[0].conv.out_channels == 192
    assert model.query_embedding.weight.shape == (100, 192)
    assert model.encoder.layers[0].self_attn.embed_dims == 192
    assert model.decoder.layers[0].cross_attn.embed_dims == 192
    assert model.bbox_head.fc_cls.out_features == 21  # 20 classes + "no object"
