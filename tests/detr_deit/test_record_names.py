"""The results record names each config's model, dataset and scored split canonically."""

from __future__ import annotations

import pytest
from conftest import CONFIGS

from common.results import DATASETS, MODELS
from detr_deit.test import names_from_config, record_names, scored_split

# config -> (model, dataset, split its test loop scores)
EXPECTED = {
    "detr_deit-tiny_8xb1-150e_scannet-frames.py": ("DETR-DeiT-tiny", "scannet-frames", "val"),
    "detr_deit-tiny_8xb1-150e_voc0712.py": ("DETR-DeiT-tiny", "voc", "test"),
    "detr_deit-tiny_cpu-1xb4_synth-scannet.py": ("DETR-DeiT-tiny", "synth-scannet", "val"),
    "detr_r50_8xb2-150e_scannet-frames.py": ("DETR-R50", "scannet-frames", "val"),
}


def test_every_config_is_listed():
    assert sorted(EXPECTED) == CONFIGS


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_names_and_scored_split(name, load_cfg):
    model, dataset, split = EXPECTED[name]
    assert names_from_config(f"detr_deit/configs/{name}") == (model, dataset)
    assert model in MODELS and dataset in DATASETS
    assert scored_split(load_cfg(name)) == split


def test_unknown_names_are_refused_before_the_test_loop(load_cfg):
    name = "detr_deit-tiny_cpu-1xb4_synth-scannet.py"
    assert record_names(name, load_cfg(name)) == {
        "model": "DETR-DeiT-tiny", "config": "detr_deit-tiny_cpu-1xb4_synth-scannet",
        "dataset": "synth-scannet", "split": "val"}
    with pytest.raises(ValueError, match="dataset must be one of .*; got 'mydata'"):
        record_names("detr_deit-tiny_cpu-1xb4_mydata.py", load_cfg(name))
    coco = load_cfg(name, **{"test_dataloader.dataset.ann_file": "instances_val2017.json"})
    with pytest.raises(ValueError, match="split must be one of 'train', 'val', 'test'; "
                                         "got 'val2017'"):
        record_names(name, coco)
