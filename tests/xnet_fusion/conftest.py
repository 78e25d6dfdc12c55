"""Fixtures of the X-Net tests: a small synthetic KITTI root prepared with mmdet3d's converters."""

from pathlib import Path

import pytest


@pytest.fixture(scope='session')
def synth_kitti_root(tmp_path_factory) -> Path:
    """8 synthetic KITTI frames (common.synth) with info files, velodyne_reduced, GT database."""
    from common.synth.generate import generate
    from xnet_fusion.prepare import prepare
    root = tmp_path_factory.mktemp('synth_kitti')
    generate('kitti', root, num=8, seed=1, progress=False)
    return prepare(root)


@pytest.fixture
def synth_model(synth_kitti_root):
    """A function: synth config name (and ``cfg.model`` overrides) -> (cfg, model, batch): the
    detector built after ``torch.manual_seed(0)`` with its weights initialised, and the first
    training frame of ``synth_kitti_root`` through its data preprocessor (training mode)."""
    def build(name, **model_overrides):
        import torch
        from mmdet3d.registry import DATASETS, MODELS
        from mmengine.dataset import pseudo_collate
        from mmengine.registry import init_default_scope

        from common.openmmlab import load_config
        from xnet_fusion import CONFIG_DIR
        init_default_scope('mmdet3d')
        torch.manual_seed(0)
        cfg = load_config(name, CONFIG_DIR, data_root=synth_kitti_root)
        cfg.model.update(model_overrides)
        model = MODELS.build(cfg.model)
        model.init_weights()
        frame = DATASETS.build(cfg.train_dataloader.dataset)[0]
        return cfg, model, model.data_preprocessor(pseudo_collate([frame]), True)
    return build
