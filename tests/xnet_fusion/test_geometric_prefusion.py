"""Geometric pre-fusion samples the image where a BEV cell projects, through the real fixture's
calibration (KITTI training frame 000000)."""

import numpy as np
import pytest
import torch

import xnet_fusion  # noqa: F401
from common.io import read_image
from common.kitti import geometry as kg
from common.kitti import read_calib, read_label
from xnet_fusion.models.fusion import GeometricPreFusion
from xnet_fusion.models.fusion.prefusion import sample_image_at_points

PCR = [0, -40, -3, 70.4, 40, 1]
BEV_HW = (200, 176)  # KITTI SECOND grid: 0.4 m cells


def _lidar2img(calib) -> np.ndarray:
    """P2 @ R0_rect @ Tr_velo_to_cam as 4x4 (what mmdet3d's KittiDataset puts in lidar2img)."""
    def h(m):
        out = np.eye(4)
        out[:m.shape[0], :m.shape[1]] = m
        return out
    return (h(np.asarray(calib.P2)) @ h(np.asarray(calib.R0_rect))
            @ h(np.asarray(calib.Tr_velo_to_cam)))


def _coordinate_map(height, width):
    """(1, 2, H, W): channel 0 = column index, channel 1 = row index."""
    rows, cols = torch.meshgrid(torch.arange(height, dtype=torch.float32),
                                torch.arange(width, dtype=torch.float32), indexing='ij')
    return torch.stack((cols, rows)).unsqueeze(0)


@pytest.fixture(scope='module')
def frame(kitti_fixture_root):
    calib = read_calib(kitti_fixture_root / 'training' / 'calib' / '000000.txt')
    obj = read_label(kitti_fixture_root / 'training' / 'label_2' / '000000.txt')[0]
    image = read_image(kitti_fixture_root / 'training' / 'image_2' / '000000.png')
    return calib, obj, image.shape[:2]


@pytest.mark.parametrize('scale', [1.0, 0.5])
def test_point_sample_reads_the_projected_pixel(frame, scale):
    calib, obj, (h, w) = frame
    centre_rect = obj.location + np.array([0.0, -obj.dimensions[0] / 2, 0.0])
    velo = kg.rect_to_velo(np.stack([centre_rect, centre_rect]), calib)  # 2: mmdet3d squeezes
    uv, depth = kg.rect_to_image(centre_rect[None], np.asarray(calib.P2))
    assert depth[0] > 0
    sh, sw = int(round(h * scale)), int(round(w * scale))
    pad = (32 * -(-sh // 32), 32 * -(-sw // 32))
    meta = dict(lidar2img=_lidar2img(calib), scale_factor=[scale, scale], flip=False,
                img_shape=(sh, sw), batch_input_shape=pad)
    feat, valid = sample_image_at_points(_coordinate_map(*pad), torch.tensor(velo).float(), meta)
    assert bool(valid[0])
    # mmdet3d's point_sample takes pixel k to span [k, k + 1): it reads u * scale - 0.5
    assert np.allclose(feat[0].numpy(), uv[0] * scale - 0.5, atol=0.05)
    x1, y1, x2, y2 = obj.bbox
    assert x1 <= uv[0, 0] <= x2 and y1 <= uv[0, 1] <= y2  # the pedestrian's pixel


def test_bev_cell_gets_the_image_feature_of_its_projection(frame):
    calib, obj, (h, w) = frame
    velo = kg.rect_to_velo(obj.location[None], calib)[0]  # bottom centre, LiDAR frame
    stage = GeometricPreFusion(img_channels=2, pts_channels=1, point_cloud_range=PCR,
                               heights=[float(velo[2])])
    pad = (32 * -(-h // 32), 32 * -(-w // 32))
    meta = dict(lidar2img=_lidar2img(calib), scale_factor=[1.0, 1.0], flip=False,
                img_shape=(h, w), batch_input_shape=pad)
    bev = stage.img_to_bev([_coordinate_map(*pad)], BEV_HW, [meta])[0]
    assert bev.shape == (2, *BEV_HW)
    i = int((velo[1] - PCR[1]) / 0.4)  # row: y
    j = int((velo[0] - PCR[0]) / 0.4)  # column: x
    cell = np.array([[PCR[0] + (j + 0.5) * 0.4, PCR[1] + (i + 0.5) * 0.4, velo[2]]])
    uv, _ = kg.rect_to_image(kg.velo_to_rect(cell, calib), np.asarray(calib.P2))
    assert np.allclose(bev[:, i, j].numpy(), uv[0] - 0.5, atol=0.05)
    assert abs(uv[0, 0] - (obj.bbox[0] + obj.bbox[2]) / 2) < 10  # near the pedestrian
    # a cell 39 m to the left and 1 m ahead is outside the camera's view: zero features
    assert torch.all(bev[:, BEV_HW[0] - 2, 2] == 0)
