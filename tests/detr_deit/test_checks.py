"""The start-up check: num_classes vs every split's class list, in one sentence."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from detr_deit.checks import ClassListMismatch, check_class_lists, dataset_classes

CONFIG = "detr_deit-tiny_8xb1-150e_scannet-frames.py"


def test_consistent_config_passes(load_cfg):
    check_class_lists(load_cfg(CONFIG))


def test_wrong_num_classes_is_named(load_cfg):
    cfg = load_cfg(CONFIG, **{"model.bbox_head.num_classes": 21})
    with pytest.raises(ClassListMismatch) as e:
        check_class_lists(cfg)
    msg = str(e.value)
    assert msg.startswith("model.bbox_head.num_classes is 21 but the train dataset has 20 "
                          "classes (from its metainfo)")
    assert msg.count(".") <= 3 and "\n" not in msg  # one sentence (dots only in the key path)


def test_split_without_metainfo_falls_back_to_coco_80_and_fires(load_cfg):
    cfg = load_cfg(CONFIG)
    del cfg.val_dataloader.dataset["metainfo"]
    classes, source = dataset_classes(cfg.val_dataloader.dataset)
    assert len(classes) == 80 and classes[0] == "person"  # CocoDataset.METAINFO
    with pytest.raises(ClassListMismatch, match=r"the val dataset has 80 classes "
                                                r"\(CocoDataset's default class names"):
        check_class_lists(cfg)


def test_wrappers_are_looked_through(load_cfg):
    cfg = load_cfg(CONFIG)
    inner = cfg.train_dataloader.dataset
    inner.metainfo = dict(classes=("chair", "table"))
    cfg.train_dataloader.dataset = dict(type="RepeatDataset", times=2, dataset=inner)
    with pytest.raises(ClassListMismatch, match="train dataset has 2 classes"):
        check_class_lists(cfg)


def test_hook_fires_before_run(load_cfg):
    from detr_deit.hooks import ClassListCheckHook

    cfg = load_cfg(CONFIG, **{"model.bbox_head.num_classes": 80})
    with pytest.raises(ClassListMismatch, match="num_classes is 80"):
        ClassListCheckHook().before_run(SimpleNamespace(cfg=cfg))


def test_train_command_exits_with_the_sentence(load_cfg, scannet_root, monkeypatch, tmp_path):
    from detr_deit import CONFIG_DIR
    from detr_deit.train import main

    monkeypatch.setenv("SCANNET_FRAMES_ROOT", f"{scannet_root}/")
    with pytest.raises(SystemExit) as e:
        main([str(CONFIG_DIR / CONFIG), "--work-dir", str(tmp_path),
              "--cfg-options", "model.bbox_head.num_classes=19"])
    assert str(e.value.code).startswith("error: model.bbox_head.num_classes is 19 but the "
                                        "train dataset has 20 classes")


def test_missing_pretrained_file_is_one_line(scannet_root, monkeypatch, tmp_path):
    from detr_deit import CONFIG_DIR
    from detr_deit.train import main

    monkeypatch.setenv("SCANNET_FRAMES_ROOT", f"{scannet_root}/")
    monkeypatch.chdir(tmp_path)  # checkpoints/deit-tiny_mmpretrain.pth does not exist here
    with pytest.raises(SystemExit) as e:
        main([str(CONFIG_DIR / CONFIG)])
    assert str(e.value.code).startswith(
        "error: model.backbone.init_cfg.checkpoint 'checkpoints/deit-tiny_mmpretrain.pth' "
        "does not exist: convert the official weights with")
