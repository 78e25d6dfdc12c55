"""Test oracle: a literal, slow transliteration of the KITTI devkit's ``evaluate_object.cpp``.

Loop for loop as in the C++ (cleanData, computeStatistics, eval_class, getThresholds), with
shapely polygons standing in for boost::geometry in groundBoxOverlap / box3DOverlap. The fast
evaluator in ``common.eval.kitti`` must agree with it on random inputs.
"""

from __future__ import annotations

import math

import numpy as np
from shapely.geometry import Polygon

MIN_HEIGHT = [40, 25, 25]
MAX_OCCLUSION = [0, 1, 2]
MAX_TRUNCATION = [0.15, 0.3, 0.5]
N_SAMPLE_PTS = 41
NO_DETECTION = -10000000


def _to_polygon(o):
    c, s = math.cos(o["ry"]), math.sin(o["ry"])
    xs = [o["l"] / 2, o["l"] / 2, -o["l"] / 2, -o["l"] / 2]
    zs = [o["w"] / 2, -o["w"] / 2, -o["w"] / 2, o["w"] / 2]
    return Polygon([(c * x + s * z + o["t1"], -s * x + c * z + o["t3"])
                    for x, z in zip(xs, zs, strict=True)])


def image_box_overlap(a, b, criterion=-1):
    x1, y1 = max(a["x1"], b["x1"]), max(a["y1"], b["y1"])
    x2, y2 = min(a["x2"], b["x2"]), min(a["y2"], b["y2"])
    w, h = x2 - x1, y2 - y1
    if w <= 0 or h <= 0:
        return 0
    inter = w * h
    a_area = (a["x2"] - a["x1"]) * (a["y2"] - a["y1"])
    b_area = (b["x2"] - b["x1"]) * (b["y2"] - b["y1"])
    if criterion == -1:
        return inter / (a_area + b_area - inter)
    return inter / a_area if criterion == 0 else inter / b_area


def ground_box_overlap(d, g, criterion=-1):
    gp, dp = _to_polygon(g), _to_polygon(d)
    inter = gp.intersection(dp).area
    if criterion == -1:
        return inter / gp.union(dp).area
    return inter / dp.area if criterion == 0 else inter / gp.area


def box3d_overlap(d, g, criterion=-1):
    gp, dp = _to_polygon(g), _to_polygon(d)
    inter_area = gp.intersection(dp).area
    ymax = min(d["t2"], g["t2"])
    ymin = max(d["t2"] - d["h"], g["t2"] - g["h"])
    inter_vol = inter_area * max(0.0, ymax - ymin)
    det_vol = d["h"] * d["l"] * d["w"]
    gt_vol = g["h"] * g["l"] * g["w"]
    if criterion == -1:
        return inter_vol / (det_vol + gt_vol - inter_vol)
    return inter_vol / det_vol if criterion == 0 else inter_vol / gt_vol


OVERLAP = {"bbox": image_box_overlap, "bev": ground_box_overlap, "3d": box3d_overlap}


def get_thresholds(v, n_groundtruth):
    t = []
    v = sorted(v, reverse=True)
    current_recall = 0
    for i in range(len(v)):
        l_recall = (i + 1) / n_groundtruth
        r_recall = (i + 2) / n_groundtruth if i < len(v) - 1 else l_recall
        if (r_recall - current_recall) < (current_recall - l_recall) and i < len(v) - 1:
            continue
        t.append(v[i])
        current_recall += 1.0 / (N_SAMPLE_PTS - 1.0)
    return t


def clean_data(cls, gt, det, difficulty):
    ignored_gt, dc, ignored_det, n_gt = [], [], [], 0
    for g in gt:
        height = g["y2"] - g["y1"]
        if g["type"].lower() == cls.lower():
            valid_class = 1
        elif cls.lower() == "pedestrian" and g["type"].lower() == "person_sitting":
            valid_class = 0
        elif cls.lower() == "car" and g["type"].lower() == "van":
            valid_class = 0
        else:
            valid_class = -1
        ignore = (g["occ"] > MAX_OCCLUSION[difficulty] or g["trunc"] > MAX_TRUNCATION[difficulty]
                  or height < MIN_HEIGHT[difficulty])
        if valid_class == 1 and not ignore:
            ignored_gt.append(0)
            n_gt += 1
        elif valid_class == 0 or (ignore and valid_class == 1):
            ignored_gt.append(1)
        else:
            ignored_gt.append(-1)
    for g in gt:
        if g["type"].lower() == "dontcare":
            dc.append(g)
    for d in det:
        valid_class = 1 if d["type"].lower() == cls.lower() else -1
        height = int(abs(d["y1"] - d["y2"]))
        if height < MIN_HEIGHT[difficulty]:
            ignored_det.append(1)
        elif valid_class == 1:
            ignored_det.append(0)
        else:
            ignored_det.append(-1)
    return ignored_gt, dc, ignored_det, n_gt


def compute_statistics(min_overlap, gt, det, dc, ignored_gt, ignored_det, compute_fp, overlap_fn,
                       compute_aos=False, thresh=0):
    tp = fp = fn = 0
    v, delta = [], []
    similarity = 0.0
    assigned = [False] * len(det)
    ignored_threshold = [compute_fp and d["score"] < thresh for d in det]
    for i in range(len(gt)):
        if ignored_gt[i] == -1:
            continue
        det_idx, valid_detection, max_overlap, assigned_ignored_det = -1, NO_DETECTION, 0, False
        for j in range(len(det)):
            if ignored_det[j] == -1 or assigned[j] or ignored_threshold[j]:
                continue
            overlap = overlap_fn(det[j], gt[i], -1)
            if not compute_fp and overlap > min_overlap and det[j]["score"] > valid_detection:
                det_idx, valid_detection = j, det[j]["score"]
            elif (compute_fp and overlap > min_overlap
                  and (overlap > max_overlap or assigned_ignored_det) and ignored_det[j] == 0):
                max_overlap, det_idx, valid_detection, assigned_ignored_det = overlap, j, 1, False
            elif (compute_fp and overlap > min_overlap and valid_detection == NO_DETECTION
                  and ignored_det[j] == 1):
                det_idx, valid_detection, assigned_ignored_det = j, 1, True
        if valid_detection == NO_DETECTION and ignored_gt[i] == 0:
            fn += 1
        elif valid_detection != NO_DETECTION and (ignored_gt[i] == 1 or ignored_det[det_idx] == 1):
            assigned[det_idx] = True
        elif valid_detection != NO_DETECTION:
            tp += 1
            v.append(det[det_idx]["score"])
            if compute_aos:
                delta.append(gt[i]["alpha"] - det[det_idx]["alpha"])
            assigned[det_idx] = True
    if compute_fp:
        for i in range(len(det)):
            if not (assigned[i] or ignored_det[i] in (-1, 1) or ignored_threshold[i]):
                fp += 1
        nstuff = 0
        for i in range(len(dc)):
            for j in range(len(det)):
                if assigned[j] or ignored_det[j] in (-1, 1) or ignored_threshold[j]:
                    continue
                if overlap_fn(det[j], dc[i], 0) > min_overlap:
                    assigned[j] = True
                    nstuff += 1
        fp -= nstuff
        if compute_aos:
            similarity = sum((1.0 + math.cos(dl)) / 2.0 for dl in delta) if (tp or fp) else -1
    return tp, fp, fn, v, similarity


def _max_element_filter(p, n):
    out = list(p)
    for i in range(n):
        largest = p[i]
        for x in p[i + 1:]:
            if largest < x:  # std::max_element with operator<
                largest = x
        out[i] = largest
    return out


def eval_class(cls, groundtruth, detections, metric, difficulty, min_overlap, compute_aos):
    overlap_fn = OVERLAP["bbox" if metric == "aos" else metric]
    n_gt, v, ignored = 0, [], []
    for gt, det in zip(groundtruth, detections, strict=True):
        i_gt, dc, i_det, n = clean_data(cls, gt, det, difficulty)
        n_gt += n
        ignored.append((i_gt, dc, i_det))
        v += compute_statistics(min_overlap, gt, det, dc, i_gt, i_det, False, overlap_fn)[3]
    thresholds = get_thresholds(v, n_gt)
    pr = [[0, 0, 0, 0.0] for _ in thresholds]
    frames = zip(groundtruth, detections, strict=True)
    for (gt, det), (i_gt, dc, i_det) in zip(frames, ignored, strict=True):
        for t, th in enumerate(thresholds):
            tp, fp, fn, _, sim = compute_statistics(min_overlap, gt, det, dc, i_gt, i_det, True,
                                                    overlap_fn, compute_aos, th)
            pr[t][0] += tp
            pr[t][1] += fp
            pr[t][2] += fn
            if sim != -1:
                pr[t][3] += sim
    precision = [0.0] * N_SAMPLE_PTS
    aos = [0.0] * N_SAMPLE_PTS
    for i in range(min(len(thresholds), N_SAMPLE_PTS)):
        denom = pr[i][0] + pr[i][1]
        precision[i] = pr[i][0] / denom if denom else float("nan")
        aos[i] = pr[i][3] / denom if denom else float("nan")
    n = min(len(thresholds), N_SAMPLE_PTS)
    return _max_element_filter(precision, n), _max_element_filter(aos, n)


def to_devkit(anno: dict, i: int, with_score: bool) -> dict:
    """One object of an ``objects_to_arrays`` dict in the devkit's field names."""
    x1, y1, x2, y2 = (float(v) for v in anno["bbox"][i])
    h, w, l = (float(v) for v in anno["dimensions"][i])
    t1, t2, t3 = (float(v) for v in anno["location"][i])
    o = dict(type=str(anno["name"][i]), x1=x1, y1=y1, x2=x2, y2=y2, h=h, w=w, l=l, t1=t1, t2=t2,
             t3=t3, ry=float(anno["rotation_y"][i]), alpha=float(anno["alpha"][i]),
             trunc=float(anno["truncated"][i]), occ=int(anno["occluded"][i]))
    if with_score:
        o["score"] = float(anno["score"][i])
    return o


def evaluate(gt_annos, dt_annos, classes, metrics, min_overlaps):
    """{cls: {metric: {"AP11": [...], "AP40": [...]}}} like common.eval.kitti.evaluate;
    min_overlaps[(cls, metric)] gives the threshold."""
    gts = [[to_devkit(a, i, False) for i in range(len(a["name"]))] for a in gt_annos]
    dts = [[to_devkit(a, i, True) for i in range(len(a["name"]))] for a in dt_annos]
    out = {}
    for cls in classes:
        out[cls] = {}
        for metric in metrics:
            curves = [eval_class(cls, gts, dts, metric, d, min_overlaps[(cls, metric)],
                                 metric == "aos") for d in range(3)]
            k = 1 if metric == "aos" else 0
            out[cls][metric] = {
                "AP11": [sum(c[k][0:41:4]) / 11 * 100 for c in curves],
                "AP40": [sum(c[k][1:41]) / 40 * 100 for c in curves],
            }
    return out


GT_CLASSES = ("Car", "Van", "Pedestrian", "Person_sitting", "Cyclist", "DontCare")
DET_CLASSES = ("Car", "Pedestrian", "Cyclist")


def _random_objects(rng: np.random.Generator, n: int) -> dict:
    x1 = rng.uniform(0, 1000, n)
    y1 = rng.uniform(100, 250, n)
    return {
        "name": rng.choice(GT_CLASSES, n).astype(str),
        "bbox": np.stack([x1, y1, x1 + rng.uniform(20, 200, n), y1 + rng.uniform(15, 120, n)], 1),
        "dimensions": np.stack([rng.uniform(1.2, 2, n), rng.uniform(0.5, 2, n),
                                rng.uniform(0.6, 4.5, n)], 1),
        "location": np.stack([rng.uniform(-8, 8, n), rng.uniform(1, 2, n),
                              rng.uniform(5, 30, n)], 1),
        "rotation_y": rng.uniform(-np.pi, np.pi, n),
        "alpha": rng.uniform(-np.pi, np.pi, n),
        "truncated": rng.choice([0.0, 0.1, 0.2, 0.4, 0.8], n),
        "occluded": rng.integers(0, 4, n),
        "score": np.zeros(n),
    }


def _noisy_detections(rng: np.random.Generator, gt: dict, n: int) -> dict:
    """Detections near the ground truth (jittered copies), 80 % keeping the gt class."""
    if len(gt["name"]) == 0:
        d = _random_objects(rng, n)
        d["name"] = rng.choice(DET_CLASSES, n).astype(str)
    else:
        k = rng.integers(0, len(gt["name"]), n)
        d = {
            "bbox": gt["bbox"][k] + rng.normal(0, 3, (n, 4)),
            "dimensions": gt["dimensions"][k] * rng.uniform(0.9, 1.1, (n, 3)),
            "location": gt["location"][k] + rng.normal(0, 0.15, (n, 3)),
            "rotation_y": gt["rotation_y"][k] + rng.normal(0, 0.15, n),
            "alpha": gt["alpha"][k] + rng.normal(0, 0.5, n),
            "truncated": np.zeros(n), "occluded": np.zeros(n, dtype=int),
        }
        keep = np.isin(gt["name"][k], DET_CLASSES) & (rng.random(n) < 0.8)
        d["name"] = np.where(keep, gt["name"][k], rng.choice(DET_CLASSES, n)).astype(str)
    d["bbox"][:, 2] = np.maximum(d["bbox"][:, 2], d["bbox"][:, 0] + 1)
    d["bbox"][:, 3] = np.maximum(d["bbox"][:, 3], d["bbox"][:, 1] + 1)
    d["score"] = np.round(rng.random(n), 2)  # ties on purpose
    return d


def random_frames(rng: np.random.Generator, n_frames: int, n_gt: int = 6, n_dt: int = 12):
    """Random ground truth (DontCare with real 3D boxes included) and noisy detections."""
    gts = [_random_objects(rng, int(rng.integers(0, n_gt + 1))) for _ in range(n_frames)]
    dts = [_noisy_detections(rng, g, int(rng.integers(0, n_dt + 1))) for g in gts]
    return gts, dts
