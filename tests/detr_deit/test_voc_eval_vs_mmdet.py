"""common.eval.voc against mmdet's eval_map (VOC07 11-point and area, difficult ignored)."""

import numpy as np
import pytest

from common.eval import voc

eval_map = pytest.importorskip("mmdet.evaluation.functional").eval_map

CLASSES = ("cat", "dog", "person")


def _random_set(seed, n_images=60):
    """Random objects (10 % difficult) and detections: jittered copies plus clutter."""
    rng = np.random.default_rng(seed)
    gts, dets = [], []
    for _ in range(n_images):
        n = int(rng.integers(0, 6))
        xy = rng.uniform(0, 400, (n, 2))
        boxes = np.round(np.concatenate([xy, xy + rng.uniform(20, 150, (n, 2))], 1))
        labels = rng.choice(CLASSES, n)
        gts.append({"boxes": boxes, "labels": labels, "difficult": rng.random(n) < 0.1})
        k = rng.integers(0, max(n, 1), n + 2) if n else np.zeros(0, int)
        hit = boxes[k] + rng.normal(0, 8, (len(k), 4)) if n else np.zeros((0, 4))
        m = int(rng.integers(0, 5))
        cxy = rng.uniform(0, 400, (m, 2))
        clutter = np.concatenate([cxy, cxy + rng.uniform(20, 150, (m, 2))], 1)
        dets.append({
            "boxes": np.concatenate([hit, clutter]),
            "labels": np.concatenate([labels[k] if n else np.zeros(0, str),
                                      rng.choice(CLASSES, m)]),
            "scores": rng.random(len(k) + m),  # distinct: no tie-order ambiguity
        })
    return gts, dets


def _to_mmdet(gts, dets):
    det_results = [[np.concatenate([d["boxes"][d["labels"] == c],
                                    d["scores"][d["labels"] == c, None]], 1).reshape(-1, 5)
                    for c in CLASSES] for d in dets]
    annotations = []
    for g in gts:
        idx = np.array([CLASSES.index(c) for c in g["labels"]], dtype=np.int64)
        keep, hard = ~g["difficult"], g["difficult"]
        annotations.append({"bboxes": g["boxes"][keep].reshape(-1, 4), "labels": idx[keep],
                            "bboxes_ignore": g["boxes"][hard].reshape(-1, 4),
                            "labels_ignore": idx[hard]})
    return det_results, annotations


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("use_07", [True, False])
def test_matches_mmdet_eval_map(seed, use_07):
    gts, dets = _random_set(seed)
    ours = voc.evaluate(gts, dets, CLASSES, use_07_metric=use_07)
    det_results, annotations = _to_mmdet(gts, dets)
    mean_ap, per_class = eval_map(det_results, annotations, iou_thr=0.5,
                                  eval_mode="11points" if use_07 else "area",
                                  use_legacy_coordinate=True, nproc=1, logger="silent")
    for cls, res in zip(CLASSES, per_class, strict=True):  # mmdet sums in float32: 1e-4
        assert ours["AP"][cls] == pytest.approx(100 * float(res["ap"]), abs=1e-4), cls
    assert ours["mAP"] == pytest.approx(100 * mean_ap, abs=1e-4)
    assert 20 < ours["mAP"] < 95  # a real curve, neither empty nor perfect
