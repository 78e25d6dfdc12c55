"""From network outputs to boxes in the original image (official ctdet_decode, ctdet_post_process,
and the flip / multi-scale merge of src/lib/detectors/ctdet.py)."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from centernet.losses import gather_feat


def peak_nms(heat: torch.Tensor, kernel: int = 3) -> torch.Tensor:
    """Keep only local maxima of (B, C, H, W) scores: 3x3 max-pool equality (official ``_nms``)."""
    hmax = F.max_pool2d(heat, kernel, stride=1, padding=(kernel - 1) // 2)
    return heat * (hmax == heat).float()


def ctdet_decode(heat: torch.Tensor, wh: torch.Tensor, reg: torch.Tensor | None,
                 k: int = 100) -> torch.Tensor:
    """Top-K peaks to boxes on the output grid.

    heat: (B, C, H, W) sigmoid scores; wh, reg: (B, 2, H, W). Returns (B, K, 6): x1, y1, x2, y2
    (output-map pixels), score, class. Box = peak cell + offset +- size / 2. The official code
    takes the top K per class then the top K of those; one top K over C*H*W selects the same set.
    """
    b, c, h, w = heat.shape
    heat = peak_nms(heat)
    k = min(k, c * h * w)
    scores, inds = torch.topk(heat.view(b, -1), k)
    clses = torch.div(inds, h * w, rounding_mode="floor")
    inds = inds % (h * w)
    ys = torch.div(inds, w, rounding_mode="floor").float()
    xs = (inds % w).float()
    if reg is not None:
        off = gather_feat(reg, inds)
        xs, ys = xs + off[..., 0], ys + off[..., 1]
    else:
        xs, ys = xs + 0.5, ys + 0.5
    size = gather_feat(wh, inds)
    boxes = torch.stack([xs - size[..., 0] / 2, ys - size[..., 1] / 2,
                         xs + size[..., 0] / 2, ys + size[..., 1] / 2], dim=2)
    return torch.cat([boxes, scores.unsqueeze(2), clses.float().unsqueeze(2)], dim=2)


def flip_merge(out: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Flip test: a batch of [image, mirrored image] -> averaged heatmap and size, offset of the
    unflipped image (official ctdet.process with --flip_test). Returns hm (sigmoid), wh, reg."""
    hm = out["hm"].sigmoid()
    hm = (hm[0:1] + hm[1:2].flip(3)) / 2
    wh = (out["wh"][0:1] + out["wh"][1:2].flip(3)) / 2
    return hm, wh, out["reg"][0:1]


def to_image_coords(dets: np.ndarray, center: np.ndarray, scale: float,
                    output_size: tuple[int, int]) -> np.ndarray:
    """Map (N, >=4) output-map boxes back to the original image (official transform_preds).

    The input crop maps a square of side ``scale`` around ``center`` onto the output map of
    width output_size[1]: x_img = (x_out - W/2) * scale / W + cx.
    """
    dets = dets.copy()
    out_w = output_size[1]
    f = scale / out_w
    out_h = output_size[0]
    dets[:, [0, 2]] = (dets[:, [0, 2]] - out_w / 2) * f + center[0]
    dets[:, [1, 3]] = (dets[:, [1, 3]] - out_h / 2) * f + center[1]
    return dets


def soft_nms_gaussian(dets: np.ndarray, sigma: float = 0.5, threshold: float = 0.001) -> np.ndarray:
    """Gaussian Soft-NMS (official external/nms.pyx soft_nms, method=2, VOC +1 pixel areas), used
    when merging several test scales. dets: (N, 5) x1, y1, x2, y2, score -> kept rows."""
    dets = dets.copy()
    kept = []
    while len(dets):
        i = int(np.argmax(dets[:, 4]))
        best = dets[i].copy()
        kept.append(best)
        dets = np.delete(dets, i, axis=0)
        if not len(dets):
            break
        xx1 = np.maximum(best[0], dets[:, 0])
        yy1 = np.maximum(best[1], dets[:, 1])
        xx2 = np.minimum(best[2], dets[:, 2])
        yy2 = np.minimum(best[3], dets[:, 3])
        inter = np.clip(xx2 - xx1 + 1, 0, None) * np.clip(yy2 - yy1 + 1, 0, None)
        area = (dets[:, 2] - dets[:, 0] + 1) * (dets[:, 3] - dets[:, 1] + 1)
        best_area = (best[2] - best[0] + 1) * (best[3] - best[1] + 1)
        ov = np.where(inter > 0, inter / (area + best_area - inter), 0.0)
        dets[:, 4] *= np.exp(-(ov * ov) / sigma)
        dets = dets[dets[:, 4] >= threshold]
    return np.array(kept, dtype=np.float32).reshape(-1, 5)


def merge_outputs(per_scale: list[np.ndarray], num_classes: int, max_per_image: int = 100
                  ) -> np.ndarray:
    """Merge (N, 6) detections of one or several scales (official ctdet.merge_outputs): per-class
    Soft-NMS when there are several scales, then the ``max_per_image`` best overall."""
    dets = np.concatenate(per_scale, axis=0) if per_scale else np.zeros((0, 6), np.float32)
    if len(per_scale) > 1:
        merged = []
        for c in range(num_classes):
            d = dets[dets[:, 5] == c]
            if len(d):
                kept = soft_nms_gaussian(d[:, :5])
                merged.append(np.concatenate([kept, np.full((len(kept), 1), c, np.float32)], 1))
        dets = np.concatenate(merged, 0) if merged else np.zeros((0, 6), np.float32)
    order = np.argsort(-dets[:, 4], kind="stable")[:max_per_image]
    return dets[order]
