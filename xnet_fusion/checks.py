"""Where an X-Net config's class count shows in a checkpoint, for common.openmmlab's check."""

from __future__ import annotations

from common.openmmlab import ClassHead


def class_head(cfg) -> ClassHead:
    """Anchor3DHead's ``conv_cls`` has (rotations x sizes) anchors per cell, each with
    num_classes sigmoid scores (num_classes + 1 with a softmax loss), as mmdet3d's
    Anchor3DRangeGenerator counts them."""
    head = cfg.model.pts_bbox_head
    gen = head.anchor_generator
    sizes = gen.get('sizes', [[3.9, 1.6, 1.56]])
    n_sizes = len(sizes) if sizes and isinstance(sizes[0], list | tuple) else 1
    anchors = len(gen.get('rotations', [0, 1.5707963])) * n_sizes
    sigmoid = bool((head.get('loss_cls') or {}).get('use_sigmoid', False))
    return ClassHead('pts_bbox_head.conv_cls.weight', head.num_classes, anchors=anchors,
                     background=0 if sigmoid else 1, source='model.pts_bbox_head.num_classes')
