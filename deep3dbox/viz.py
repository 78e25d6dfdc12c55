"""Draw projected 3D boxes (ground truth and predictions) on an image."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from common.kitti import KittiObject
from common.kitti import geometry as kg

# corner index pairs of the 12 box edges (KITTI order: 0-3 bottom, 4-7 top, front face 0 1 5 4)
EDGES = [(0, 1), (1, 2), (2, 3), (3, 0), (4, 5), (5, 6), (6, 7), (7, 4),
         (0, 4), (1, 5), (2, 6), (3, 7), (0, 5), (1, 4)]  # the cross marks the front


def draw_boxes3d(image: np.ndarray, P2: np.ndarray, gt: list[KittiObject],
                 pred: list[KittiObject]) -> Image.Image:
    """(H, W, 3) uint8 -> PIL image with ground truth in green and predictions in red."""
    im = Image.fromarray(image)
    draw = ImageDraw.Draw(im)
    for objs, colour in ((gt, (0, 220, 0)), (pred, (255, 40, 40))):
        objs = [o for o in objs if o.type != "DontCare" and o.location[2] > 0.5]
        if not objs:
            continue
        corners = kg.box3d_corners(np.stack([o.dimensions for o in objs]),
                                   np.stack([o.location for o in objs]),
                                   np.array([o.rotation_y for o in objs]))
        uv, _ = kg.rect_to_image(corners.reshape(-1, 3), P2)
        for box in uv.reshape(-1, 8, 2):
            for a, b in EDGES:
                draw.line([tuple(box[a]), tuple(box[b])], fill=colour, width=2)
    return im
