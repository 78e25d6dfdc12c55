"""xnet_fusion.test's results record: canonical names, the config by its short name
(common.openmmlab.config_name)."""

from __future__ import annotations

import shutil

from common.openmmlab import config_name
from xnet_fusion import CONFIG_DIR


def test_config_name_is_the_short_name_under_configs(tmp_path, monkeypatch):
    assert config_name("synth/base", CONFIG_DIR) == "synth/base"
    assert config_name("exp01_car", CONFIG_DIR) == "exp01_car"
    assert config_name(CONFIG_DIR / "synth" / "geometric.py", CONFIG_DIR) == "synth/geometric"
    monkeypatch.chdir(CONFIG_DIR.parents[1])  # the repository root: a relative file path
    assert config_name("xnet_fusion/configs/synth/exp00.py", CONFIG_DIR) == "synth/exp00"
    mine = shutil.copy(CONFIG_DIR / "base.py", tmp_path / "my_run.py")
    assert config_name(mine, CONFIG_DIR) == "my_run"  # a config outside the package: its stem


def test_test_command_writes_a_canonical_record(synth_kitti_root, tmp_path):
    """Untrained weights through the whole test loop: the record, not the APs, is checked."""
    import torch
    from mmdet3d.registry import MODELS
    from mmengine.registry import init_default_scope

    from common.openmmlab import load_config
    from common.results import load_record
    from xnet_fusion.test import main as test_main
    init_default_scope('mmdet3d')
    torch.manual_seed(0)
    model = MODELS.build(load_config('synth/base', CONFIG_DIR).model)
    ckpt = tmp_path / 'untrained.pth'
    torch.save({'state_dict': model.state_dict(),
                'meta': {'dataset_meta': {'classes': ['Pedestrian', 'Cyclist', 'Car']}}}, ckpt)
    record = tmp_path / 'results.json'
    test_main([str(CONFIG_DIR / 'synth' / 'base.py'), str(ckpt), '--data-root',
               str(synth_kitti_root), '--work-dir', str(tmp_path / 'w'), '--record', str(record),
               '--dataset', 'synth-kitti'])
    rec = load_record(record)
    assert (rec.model, rec.config, rec.dataset, rec.split, rec.task) == (
        'X-Net', 'synth/base', 'synth-kitti', 'val', 'fusion3d')
    assert rec.hardware and rec.params > 1_000_000
    # the fixture's val frames hold fewer than 41 valid objects per class and level: all n/a
    assert not any(k.startswith('Car/') for k in rec.metrics)
    assert 'n/a (fewer than 41 valid ground-truth objects): Pedestrian easy (' in rec.notes
