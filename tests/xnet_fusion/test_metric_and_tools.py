"""The CPU KITTI metric scores ground truth as perfect detections through the whole mmdet3d
formatting chain (LiDAR boxes -> camera boxes -> common.eval.kitti); the tools fail cleanly."""

import subprocess
import sys

import numpy as np
import pytest
import torch

import xnet_fusion  # noqa: F401
from common.eval import kitti as kitti_eval
from common.kitti import KittiFrameSet, objects_to_arrays
from common.openmmlab import load_config
from xnet_fusion import CONFIG_DIR
from xnet_fusion.evaluation.metric import mmdet3d_anno_to_common

CLASSES = ['Pedestrian', 'Cyclist', 'Car']


def test_mmdet3d_anno_to_common_reorders_dimensions():
    anno = dict(name=['Car'], truncated=[0.0], occluded=[0], alpha=[0.1], bbox=[[1, 2, 3, 4]],
                dimensions=[[4.0, 1.5, 1.6]], location=[[1, 2, 30]], rotation_y=[0.3],
                score=[0.9])  # mmdet3d: l, h, w
    out = mmdet3d_anno_to_common(anno)
    assert np.allclose(out['dimensions'], [[1.5, 1.6, 4.0]])  # common.kitti: h, w, l
    assert out['bbox'].shape == (1, 4) and out['score'][0] == 0.9


def test_metric_scores_ground_truth_like_the_evaluator_does(synth_kitti_root):
    """Ground-truth boxes fed as LiDAR predictions through mmdet3d's formatting score exactly
    what common.eval.kitti gives for the label files scored against themselves (on a few frames
    that is below 100: the devkit's 41 recall samples need more than 40 objects)."""
    from mmdet3d.registry import DATASETS, METRICS
    from mmengine.registry import init_default_scope
    from mmengine.structures import InstanceData
    init_default_scope('mmdet3d')
    cfg = load_config('synth/base', CONFIG_DIR, data_root=synth_kitti_root)
    dataset = DATASETS.build(cfg.val_dataloader.dataset)
    metric = METRICS.build(cfg.val_evaluator)
    metric.dataset_meta = dataset.metainfo
    samples = []
    for i in range(len(dataset)):
        ann = dataset.get_data_info(i)['eval_ann_info']
        keep = ann['gt_labels_3d'] >= 0
        samples.append(dict(
            pred_instances_3d=InstanceData(
                bboxes_3d=ann['gt_bboxes_3d'][torch.from_numpy(keep)],
                scores_3d=torch.ones(int(keep.sum())),
                labels_3d=torch.from_numpy(ann['gt_labels_3d'][keep])).to_dict(),
            pred_instances={}, sample_idx=i))  # as mmengine's Evaluator passes them
    metric.process({}, samples)
    res = metric.evaluate(len(dataset))
    frames = KittiFrameSet(synth_kitti_root, split='val')
    gts = [objects_to_arrays(frames.label(i)) for i in frames.ids]
    dts = []
    for g in gts:
        keep = np.isin(g['name'], CLASSES)
        dts.append({k: v[keep] for k, v in g.items()} | {'score': np.ones(int(keep.sum()))})
    expected = kitti_eval.flatten_result(kitti_eval.evaluate(gts, dts, classes=CLASSES))
    for cls in CLASSES:
        for m in ('bbox', 'aos', 'bev', '3d'):
            key = f'{cls}/{m}/AP40/moderate'
            assert abs(res[f'Kitti metric/{key}'] - expected[key]) < 1e-3, key  # float32
    assert expected['Car/3d/AP40/moderate'] > 0


def test_train_reports_a_bad_data_root_in_one_line(tmp_path):
    proc = subprocess.run([sys.executable, '-m', 'xnet_fusion.train', 'synth/base',
                           '--data-root', str(tmp_path / 'missing')],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1].startswith('error:')
    assert 'Traceback' not in proc.stderr


def test_grad_cam_hand_checked():
    from xnet_fusion.explain import grad_cam
    feat = torch.tensor([[[1., 0.], [0., 2.]], [[0., 1.], [1., 0.]]])
    grad = torch.tensor([[[1., 1.], [1., 1.]], [[-2., -2.], [-2., -2.]]])  # weights 1, -2
    # 1 * feat0 - 2 * feat1 = [[1, -2], [-2, 2]] -> ReLU -> / max
    assert np.allclose(grad_cam(feat, grad), [[0.5, 0.0], [0.0, 1.0]])


@pytest.mark.parametrize('config', ['synth/exp01', 'synth/geometric_frozen_pts'])
def test_demo_and_explanations_are_written(config, synth_kitti_root, tmp_path):
    """Also with a frozen point branch (Grad-CAM then needs gradients through frozen layers:
    it used to stop with "can't retain_grad on Tensor that has requires_grad=False")."""
    from xnet_fusion.demo import draw
    from xnet_fusion.explain import explain
    from xnet_fusion.predict import load_session
    torch.manual_seed(0)
    session = load_session(config, None, synth_kitti_root)  # untrained weights
    trainable = [p.requires_grad for p in session.model.parameters()]
    draw(session, 0, tmp_path / 'demo.png', 0.0)
    res = explain(session, 0, None, tmp_path / 'explain')
    assert (tmp_path / 'demo.png').stat().st_size > 0
    assert (tmp_path / 'explain' / 'gradcam.png').stat().st_size > 0
    assert (tmp_path / 'explain' / 'graph.png').stat().st_size > 0
    assert res['adj'].shape == (128, 128) and np.all(np.diag(res['adj']) == 0)
    for cam in res['cams'].values():
        assert cam.min() >= 0 and cam.max() <= 1
        # untrained geometric models detect nothing, and their strongest class response sits on
        # a cell whose score does not depend on either map (measured: gradient exactly zero)
        assert cam.max() > 0 or 'geometric' in config
    assert [p.requires_grad for p in session.model.parameters()] == trainable  # still frozen
