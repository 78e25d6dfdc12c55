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
