"""Every config: consistent class lists, builds, one CPU train step with a finite loss."""

from __future__ import annotations

import pytest
import torch
from conftest import CONFIGS, build_model, small_batch

from common.scannet import SCANNET20_CLASSES
from common.voc import VOC_CLASSES

EXPECTED_CLASSES = {"scannet-frames": SCANNET20_CLASSES, "synth-scannet": SCANNET20_CLASSES,
                    "voc0712": VOC_CLASSES}


def test_all_configs_found():
    assert len(CONFIGS) == 4
    assert "detr_deit-tiny_8xb1-150e_scannet-frames.py" in CONFIGS


@pytest.mark.parametrize("name", CONFIGS)
def test_every_split_gets_the_class_list_and_data_root(name, load_cfg, scannet_root, voc_root):
    cfg = load_cfg(name)
    dataset = name[:-3].split("_")[-1]
    root = voc_root if dataset == "voc0712" else scannet_root
    for split in ("train", "val", "test"):
        ds = cfg[f"{split}_dataloader"]["dataset"]
        assert tuple(ds["metainfo"]["classes"]) == EXPECTED_CLASSES[dataset]
        assert ds["data_root"] == f"{root}/"  # from the environment variable
    assert cfg.test_evaluator.ann_file == f"{root}/" + cfg.test_dataloader.dataset.ann_file
    assert cfg.model.bbox_head.num_classes == len(EXPECTED_CLASSES[dataset])
    assert cfg.default_scope == "mmdet"
    assert "detr_deit.hooks" in cfg.custom_imports.imports


@pytest.mark.parametrize("name", CONFIGS)
def test_builds_and_one_cpu_train_step_has_finite_loss(name, load_cfg):
    from mmengine.optim import build_optim_wrapper

    cfg = load_cfg(name)
    torch.manual_seed(0)
    model = build_model(cfg)
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    before = model.bbox_head.fc_cls.weight.detach().clone()
    model.train()
    losses = model.train_step(small_batch(cfg), optim_wrapper)
    # DETR's three losses, for the last decoder layer and each auxiliary one
    assert {"loss_cls", "loss_bbox", "loss_iou", "d0.loss_cls"} <= set(losses)
    n_aux = cfg.model.decoder.num_layers - 1
    assert f"d{n_aux - 1}.loss_iou" in losses and f"d{n_aux}.loss_iou" not in losses
    for key, value in losses.items():
        assert torch.isfinite(value), key
    assert losses["loss_cls"] > 0 and losses["loss_bbox"] > 0
    assert not torch.equal(before, model.bbox_head.fc_cls.weight)  # the optimizer stepped


def test_deit_config_has_detr_recipe(load_cfg):
    cfg = load_cfg("detr_deit-tiny_8xb1-150e_scannet-frames.py")
    m = cfg.model
    assert m.backbone.type == "mmpretrain.VisionTransformer" and m.backbone.arch == "deit-tiny"
    assert m.backbone.out_type == "featmap" and m.backbone.with_cls_token is False
    assert m.neck.in_channels == [192] and m.neck.out_channels == 192
    for attn in (m.encoder.layer_cfg.self_attn_cfg, m.decoder.layer_cfg.cross_attn_cfg):
        assert attn.embed_dims == 192
    assert m.encoder.layer_cfg.ffn_cfg.embed_dims == 192
    assert m.positional_encoding.num_feats == 96 and m.num_queries == 100
    assert m.bbox_head.loss_cls.bg_cls_weight == 0.1
    assert (m.bbox_head.loss_bbox.loss_weight, m.bbox_head.loss_iou.loss_weight) == (5.0, 2.0)
    assert [c.weight for c in m.train_cfg.assigner.match_costs] == [1.0, 5.0, 2.0]
    opt = cfg.optim_wrapper
    assert (opt.optimizer.type, opt.optimizer.lr, opt.optimizer.weight_decay) == ("AdamW", 1e-4,
                                                                                  1e-4)
    assert opt.paramwise_cfg.custom_keys["backbone"]["lr_mult"] == 0.1
    assert opt.clip_grad.max_norm == 0.1
    assert cfg.param_scheduler[0].milestones == [100] and cfg.train_cfg.max_epochs == 150


@pytest.mark.parametrize("name", ["detr_deit-tiny_8xb1-150e_scannet-frames.py",
                                  "detr_deit-tiny_8xb1-150e_voc0712.py"])
def test_config_train_pipeline_gives_detr_scales(name, load_cfg):
    """The config's own (DETR multi-scale) pipeline on the tiny data: shorter side 384..800."""
    from mmdet.registry import DATASETS

    dataset = DATASETS.build(load_cfg(name).train_dataloader.dataset)
    for i in range(len(dataset)):
        sample = dataset[i]
        h, w = sample["inputs"].shape[1:]
        assert 384 <= min(h, w) <= 800
        boxes = sample["data_samples"].gt_instances.bboxes.tensor
        assert len(boxes) > 0
        assert (boxes[:, 2] <= w + 1e-3).all() and (boxes[:, 3] <= h + 1e-3).all()
