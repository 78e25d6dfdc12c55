"""The synthetic-data benchmark's fusion rows start from the trained base row (X-Net's exp01 config
loads its base checkpoint): which row each starts from, the order rows train in, that the point
branch and head weights of a base checkpoint really land in a fusion model, and the ablation
table's "starts from" column."""

import json

import pytest
import torch

import xnet_fusion  # noqa: F401
from common.results import ResultRecord, save_record
from xnet_fusion.reproduce import ROWS, STARTS_FROM, SYNTH_ROWS, _depth, start_row


def _fake_row(work_dir, row):
    (work_dir / row).mkdir(parents=True)
    (work_dir / row / 'last_checkpoint').write_text(str(work_dir / row / 'iter_10.pth'))


def test_fusion_rows_start_from_base_and_exp01_1_from_exp01(tmp_path):
    _fake_row(tmp_path, 'base')
    assert start_row('base', tmp_path, False) is None
    assert start_row('geometric', tmp_path, False) == 'base'
    assert start_row('exp00', tmp_path, False) == 'base'
    assert start_row('geometric_residual', tmp_path, False) == 'base'
    assert start_row('geometric', tmp_path, True) is None  # --from-scratch
    # freezing base's point branch needs base's weights, --from-scratch or not
    assert start_row('geometric_frozen_pts', tmp_path, True) == 'base'
    # the refit probes freeze a base with SECOND's own direction classifier
    _fake_row(tmp_path, 'base_second_dir')
    assert start_row('base_dir_refit', tmp_path, True) == 'base_second_dir'
    with pytest.raises(FileNotFoundError, match='run --rows exp01 first$'):
        start_row('exp01_1', tmp_path, True)  # exp01_1 needs exp01 even from scratch
    _fake_row(tmp_path, 'exp01')
    assert start_row('exp01_1', tmp_path, True) == 'exp01'


def test_missing_base_is_a_one_line_error_naming_the_way_out(tmp_path):
    with pytest.raises(FileNotFoundError) as e:
        start_row('geometric', tmp_path, False)
    msg = str(e.value)
    assert '\n' not in msg and str(tmp_path / 'base') in msg and '--from-scratch' in msg


def test_every_row_a_user_may_name_has_a_synthetic_config():
    assert set(ROWS) | set(STARTS_FROM) | set(STARTS_FROM.values()) <= set(SYNTH_ROWS)
    assert {'base', 'base_dir_refit', 'geometric_residual_s8'} <= set(SYNTH_ROWS)


def test_rows_train_after_the_row_they_start_from():
    rows = ['exp01_1', 'geometric_frozen_pts', 'geometric', 'exp01', 'base']
    assert sorted(rows, key=_depth) == ['base', 'geometric_frozen_pts', 'geometric', 'exp01',
                                        'exp01_1']


def test_base_checkpoint_fills_the_point_branch_and_head_of_a_fusion_model(
        synth_kitti_root, tmp_path):
    from mmdet3d.registry import MODELS
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint

    from common.openmmlab import load_config
    from xnet_fusion import CONFIG_DIR
    init_default_scope('mmdet3d')
    torch.manual_seed(0)
    base = MODELS.build(load_config('synth/base', CONFIG_DIR, data_root=synth_kitti_root).model)
    base.init_weights()
    torch.save({'state_dict': base.state_dict()}, tmp_path / 'base.pth')
    torch.manual_seed(1)
    geo = MODELS.build(load_config('synth/geometric', CONFIG_DIR, data_root=synth_kitti_root).model)
    geo.init_weights()
    img_before = geo.img_backbone.conv1.weight.clone()
    load_checkpoint(geo, str(tmp_path / 'base.pth'), map_location='cpu', strict=False)
    base_sd, geo_sd = base.state_dict(), geo.state_dict()
    loaded = [k for k in base_sd if k.startswith(('pts_middle_encoder', 'pts_backbone',
                                                  'pts_neck', 'pts_bbox_head'))]
    assert len(loaded) > 50
    assert all(torch.equal(geo_sd[k], base_sd[k]) for k in loaded)
    assert torch.equal(geo.img_backbone.conv1.weight, img_before)  # image branch untouched


def test_residual_fusion_model_warm_started_from_base_computes_base_features(
        synth_kitti_root, tmp_path):
    """geometric_residual loaded from a base checkpoint: its head reads exactly what base's head
    reads, so the row starts at base's accuracy; plain geometric does not."""
    from mmdet3d.registry import DATASETS, MODELS
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint

    from common.openmmlab import load_config
    from xnet_fusion import CONFIG_DIR
    init_default_scope('mmdet3d')
    torch.manual_seed(0)
    base = MODELS.build(load_config('synth/base', CONFIG_DIR, data_root=synth_kitti_root).model)
    base.init_weights()
    torch.save({'state_dict': base.state_dict()}, tmp_path / 'base.pth')
    cfg = load_config('synth/geometric_residual', CONFIG_DIR, data_root=synth_kitti_root)
    data = base.data_preprocessor(
        pseudo_collate([DATASETS.build(cfg.test_dataloader.dataset)[0]]), False)
    metas = [s.metainfo for s in data['data_samples']]
    outs = {}
    for row in ('geometric_residual', 'geometric'):
        torch.manual_seed(1)
        cfg = load_config(f'synth/{row}', CONFIG_DIR, data_root=synth_kitti_root)
        model = MODELS.build(cfg.model)
        model.init_weights()
        load_checkpoint(model, str(tmp_path / 'base.pth'), map_location='cpu', strict=False)
        with torch.no_grad():
            outs[row] = model.eval().extract_feat(data['inputs'], metas)[0]
    with torch.no_grad():
        expected = base.eval().extract_feat(data['inputs'], metas)[0]
    assert expected.abs().sum() > 0
    # base's BEV features at initialisation are small (max about 1e-5): compare the rows by their
    # largest deviation, float rounding for the residual row against a different map for geometric
    assert (outs['geometric_residual'] - expected).abs().max() < 1e-5
    assert (outs['geometric'] - expected).abs().max() > 1.0


def test_ablation_table_names_what_each_row_started_from(synth_kitti_root, tmp_path):
    from xnet_fusion.ablation import table
    for row, start in (('base', ''), ('geometric', 'base'), ('geometric_residual', 'base')):
        rec = ResultRecord(model='X-Net', config=f'synth/{row}', dataset='synth-kitti',
                           split='val', task='fusion3d',
                           metrics={'Car/3d/AP40/moderate': 61.24}, init_from=start)
        save_record(rec, tmp_path / row / 'results.json')
    lines = table([tmp_path / r for r in ('base', 'geometric', 'geometric_residual')]
                  ).splitlines()
    assert lines[0].startswith('| experiment | starts from |')
    assert lines[2].startswith('| base | scratch | - |')
    assert lines[3].startswith('| geometric | base | ResNet-18 + FPN | GeometricPreFusion')
    assert lines[3].endswith('| FusionNeck | 61.2 | - | - | - |')
    assert lines[4].endswith('| FusionNeck + point residual | 61.2 | - | - | - |')
    assert json.loads((tmp_path / 'geometric' / 'results.json').read_text())['init_from'] == 'base'


def _one_training_step(build, config, **model_overrides):
    """Build synth/<config>'s detector (``synth_model``) in train mode, keep a copy of its
    state, backpropagate the loss of one training frame; return (model, state before the
    step)."""
    _, model, data = build(config, **model_overrides)
    model.train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    losses = model(**data, mode='loss')
    sum(v for vs in losses.values() for v in (vs if isinstance(vs, list) else [vs])).backward()
    return model, before


def test_frozen_point_branch_keeps_base_weights_through_a_training_step(synth_model):
    """geometric_frozen_pts: no gradient reaches the point branch, its norm layers stay in eval
    mode (running statistics unchanged), while the image branch and fusion stages train."""
    model, before = _one_training_step(synth_model, 'synth/geometric_frozen_pts')
    frozen = ('pts_middle_encoder', 'pts_backbone', 'pts_neck')
    assert any(k.startswith(frozen) and k.endswith('running_mean') for k in before)
    assert all(p.grad is None for m in frozen for p in getattr(model, m).parameters())
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items()
               if k.startswith(frozen))
    assert any(p.grad is not None and p.grad.abs().sum() > 0
               for p in model.img_backbone.parameters())


def test_direction_refit_trains_the_direction_classifier_alone(synth_model):
    """base_dir_refit freezes dotted submodules: of the whole detector only the head's 1x1
    direction conv gets a gradient, and no running statistic moves in the training step."""
    model, before = _one_training_step(synth_model, 'synth/base_dir_refit')
    with_grad = {n for n, p in model.named_parameters()
                 if p.grad is not None and p.grad.abs().sum() > 0}
    assert with_grad == {'pts_bbox_head.conv_dir_cls.weight', 'pts_bbox_head.conv_dir_cls.bias'}
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())


def test_freezing_a_module_the_detector_lacks_is_a_one_line_error(synth_model):
    with pytest.raises(ValueError, match="^freeze: the detector has no 'pts_bbox_head.conv_x'$"):
        _one_training_step(synth_model, 'synth/base', freeze=('pts_bbox_head.conv_x',))
