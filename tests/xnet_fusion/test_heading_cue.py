"""The heading cue of the synthetic rows (HeadingCueAnchor3DHead): its BEV height map on
hand-placed points, the head's direction logits (SECOND's classifier plus the cue's), that the cue
alone learns which end of a vehicle-like height profile is the front, and which configs use it."""

import math

import torch

import xnet_fusion  # noqa: F401
from common.openmmlab import load_config
from xnet_fusion import CONFIG_DIR
from xnet_fusion.models.heading_cue import HeadingCue, bev_height_map

RANGE = [0.0, -2.0, -3.0, 4.0, 2.0, 1.0]  # 4 m x 4 m, z extent 4 m


def test_height_map_cells_heights_and_counts():
    pts = torch.tensor([[0.5, -1.5, -1.0, 0.3],   # cell (row 0, col 0): z -1 -> 0.5
                        [0.9, -1.1, 0.0, 0.1],    # same cell: z 0 -> 0.75
                        [3.99, 1.99, -3.0, 0.0],  # last cell (row 1, col 3): z -3 -> 0
                        [2.0, 0.0, 5.0, 0.0],     # cell (1, 2): above the range, clamped to 1
                        [4.0, 0.0, 0.0, 0.0],     # x = x_max: outside, dropped
                        [-0.1, 0.0, 0.0, 0.0]])   # x < x_min: dropped
    m = bev_height_map([pts], RANGE, (2, 4))  # cells of 1 m (x) by 2 m (y)
    assert m.shape == (1, 3, 2, 4)
    zmax, zmin, count = m[0]
    assert torch.allclose(zmax[0, 0], torch.tensor(0.75)) and torch.allclose(zmin[0, 0],
                                                                            torch.tensor(0.5))
    assert torch.allclose(count[0, 0], torch.tensor(math.log(3) / 4))
    assert zmax[1, 3] == 0 and zmin[1, 3] == 0 and torch.allclose(count[1, 3],
                                                                  torch.tensor(math.log(2) / 4))
    assert zmax[1, 2] == 1 and zmin[1, 2] == 1
    occupied = torch.zeros(2, 4, dtype=torch.bool)
    occupied[0, 0] = occupied[1, 3] = occupied[1, 2] = True
    assert (m[0][:, ~occupied] == 0).all()  # empty cells: every channel 0
    assert count.sum() == torch.tensor([math.log(3), math.log(2), math.log(2)]).sum() / 4


def _vehicle_map(heading_east: bool, shift: int) -> torch.Tensor:
    """(3, 16, 24) map of one 'vehicle' 8 cells long: a low bonnet at its front, a high roof
    at its rear (the synthetic cars' profile), facing +x (east) or -x."""
    m = torch.zeros(3, 16, 24)
    profile = torch.tensor([0.55] * 3 + [0.8] * 5)  # front ... rear, looking from the front
    if heading_east:
        profile = profile.flip(0)  # rear at low x, front at high x
    cols = slice(8 + shift, 16 + shift)
    m[0, 6:10, cols] = profile
    m[1, 6:10, cols] = 0.3
    m[2, 6:10, cols] = 0.5
    return m


def test_heading_cue_learns_which_end_is_the_front():
    torch.manual_seed(0)
    cue = HeadingCue(out_channels=2, channels=8)
    opt = torch.optim.Adam(cue.parameters(), lr=1e-2)
    shifts = [-4, -2, 0, 2, 4]
    maps = torch.stack([_vehicle_map(east, s) for east in (True, False) for s in shifts])
    labels = torch.tensor([0] * len(shifts) + [1] * len(shifts))
    centre = [(8, 12 + s) for _ in (0, 1) for s in shifts]  # (row, col) of each vehicle

    def logits():
        out = cue(maps)
        return torch.stack([out[i, :, r, c] for i, (r, c) in enumerate(centre)])

    loss_fn = torch.nn.functional.cross_entropy
    first = float(loss_fn(logits(), labels))
    for _ in range(60):
        opt.zero_grad()
        loss_fn(logits(), labels).backward()
        opt.step()
    assert first > 0.3  # not solved by the initial weights
    assert (logits().argmax(1) == labels).all()
    assert float(loss_fn(logits(), labels)) < 0.1


def test_head_adds_the_cue_to_seconds_direction_logits(synth_model):
    cfg, model, data = synth_model('synth/base')
    head = model.pts_bbox_head
    # the grid spans the voxelization range (XNet fills it in)
    assert head.point_cloud_range == list(cfg.model.data_preprocessor.voxel_layer
                                          .point_cloud_range)
    model.train()
    feat = model.extract_feat(data['inputs'], [])[0]
    points = data['inputs']['points']
    _, _, dirs = head((feat, points))
    second = head.conv_dir_cls(feat)
    cue = head.heading_cue(bev_height_map(points, head.point_cloud_range, feat.shape[-2:]))
    assert dirs[0].shape == second.shape == (1, 12, 160, 128)  # 6 anchors x 2 bins
    assert torch.allclose(dirs[0], second + cue)
    losses = model(**data, mode='loss')
    losses['loss_dir'][0].backward()
    grads = [p.grad for p in head.heading_cue.parameters()]
    assert all(g is not None for g in grads) and grads[-1].abs().sum() > 0


def test_synthetic_rows_read_the_cue_kitti_rows_and_the_probes_seconds_classifier():
    heads = {name: load_config(name, CONFIG_DIR).model.pts_bbox_head.type
             for name in ('base', 'geometric', 'synth/base', 'synth/geometric_residual_s8',
                          'synth/base_second_dir', 'synth/base_dir_w1', 'synth/base_dir_refit',
                          'synth/base_dir_refit_neck')}
    assert heads == {'base': 'Anchor3DHead', 'geometric': 'Anchor3DHead',
                     'synth/base': 'HeadingCueAnchor3DHead',
                     'synth/geometric_residual_s8': 'HeadingCueAnchor3DHead',
                     'synth/base_second_dir': 'Anchor3DHead', 'synth/base_dir_w1': 'Anchor3DHead',
                     'synth/base_dir_refit': 'Anchor3DHead',
                     'synth/base_dir_refit_neck': 'Anchor3DHead'}
