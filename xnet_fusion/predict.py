"""One-frame inference shared by the demo, the explanations and the speed benchmark."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


@dataclass
class Session:
    cfg: object
    model: torch.nn.Module
    dataset: object

    @property
    def class_names(self) -> list[str]:
        return list(self.cfg.class_names)


def load_session(config, checkpoint=None, data_root=None, split='test') -> Session:
    """Model (eval mode, weights from ``checkpoint`` when given) and the config's test dataset.
    A missing or unreadable checkpoint, or one for another class count than the config's,
    raises one line (DataFormatError / ValueError) before anything is built."""
    from mmdet3d.registry import DATASETS, MODELS
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint

    import xnet_fusion  # noqa: F401
    from common.openmmlab import (
        check_checkpoint_classes,
        load_config,
        read_checkpoint,
        trusted_checkpoints,
    )
    from xnet_fusion import CONFIG_DIR
    from xnet_fusion.checks import class_head
    from xnet_fusion.prepare import prepare
    init_default_scope('mmdet3d')
    cfg = load_config(config, CONFIG_DIR, data_root=data_root)
    if checkpoint:
        check_checkpoint_classes(checkpoint, read_checkpoint(checkpoint), class_head(cfg))
    prepare(cfg.data_root)
    model = MODELS.build(cfg.model)
    model.init_weights()
    if checkpoint:
        with trusted_checkpoints():
            load_checkpoint(model, str(checkpoint), map_location='cpu', logger='silent')
    model.eval()
    loader = cfg.test_dataloader if split == 'test' else cfg.train_dataloader
    dataset = DATASETS.build(loader.dataset)
    return Session(cfg, model, dataset)


def frame_index(session: Session, frame: str | int | None) -> int:
    """Dataset index of a KITTI frame id ('000007') or a plain index (None: 0)."""
    if frame is None:
        return 0
    if isinstance(frame, str) and len(frame) == 6:
        for i in range(len(session.dataset)):
            if int(session.dataset.get_data_info(i)['sample_idx']) == int(frame):
                return i
        raise ValueError(f'frame {frame} is not in the evaluated split')
    return int(frame)


def preprocess(session: Session, index: int) -> dict:
    """The model inputs of one dataset item: {'inputs': ..., 'data_samples': [...]}."""
    from mmengine.dataset import pseudo_collate
    return session.model.data_preprocessor(pseudo_collate([session.dataset[index]]), False)


def predict(session: Session, data: dict):
    with torch.no_grad():
        return session.model(**data, mode='predict')[0]


def to_kitti_arrays(sample, class_names, score_thr: float = 0.0) -> dict[str, np.ndarray]:
    """A predicted Det3DDataSample -> common.kitti arrays (camera frame, hwl, bottom centre)."""
    from mmdet3d.structures import Box3DMode
    pred = sample.pred_instances_3d
    keep = pred.scores_3d >= score_thr
    boxes = pred.bboxes_3d[keep].convert_to(Box3DMode.CAM,
                                            np.asarray(sample.metainfo['lidar2cam']))
    t = boxes.tensor.numpy().astype(np.float64)
    labels = pred.labels_3d[keep].numpy()
    return dict(name=np.array([class_names[k] for k in labels]),
                dimensions=t[:, [4, 5, 3]], location=t[:, :3], rotation_y=t[:, 6],
                score=pred.scores_3d[keep].numpy().astype(np.float64),
                lidar_boxes=pred.bboxes_3d[keep].tensor.numpy())
