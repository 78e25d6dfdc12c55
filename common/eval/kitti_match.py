"""numba kernels of the KITTI evaluator: pairwise intersections and the devkit's matching.

Frames are concatenated: frame f owns ground truth ``gt_off[f]:gt_off[f+1]``, detections
``dt_off[f]:dt_off[f+1]`` and the detection-major block ``inter[in_off[f]:in_off[f+1]]`` of
intersections (n_dt, n_gt) (area for bbox/BEV, volume for 3D). ``computeStatistics`` of the
devkit (``evaluate_object.cpp``) is reproduced branch for branch; only pairs whose overlap exceeds
the class threshold are visited, which changes no decision since every assignment requires it.
"""

from __future__ import annotations

import numba
import numpy as np

from common.eval.rotated_iou import _bev_intersection

NO_DETECTION = -10000000.0  # devkit constant: "no candidate found" score


@numba.njit(cache=True)
def frames_intersection(kind, dt_box, gt_box, dt_off, gt_off, in_off):
    """Per-frame intersections; kind 0 image boxes (x1,y1,x2,y2), 1 BEV (x,z,l,w,ry),
    2 3D (x,y,z,h,w,l,ry). Returns the flat detection-major array."""
    out = np.zeros(in_off[-1])
    for f in range(len(dt_off) - 1):
        d0, d1, g0, g1 = dt_off[f], dt_off[f + 1], gt_off[f], gt_off[f + 1]
        nd, ng = d1 - d0, g1 - g0
        if nd == 0 or ng == 0:
            continue
        block = out[in_off[f]:in_off[f + 1]].reshape((nd, ng))
        if kind == 0:  # devkit imageBoxOverlap
            for j in range(nd):
                a = dt_box[d0 + j]
                for i in range(ng):
                    b = gt_box[g0 + i]
                    w = min(a[2], b[2]) - max(a[0], b[0])
                    h = min(a[3], b[3]) - max(a[1], b[1])
                    if w > 0 and h > 0:
                        block[j, i] = w * h
        elif kind == 1:  # devkit groundBoxOverlap
            _bev_intersection(dt_box[d0:d1], gt_box[g0:g1], block)
        else:  # devkit box3DOverlap: ground intersection x vertical overlap of [y - h, y]
            a = dt_box[d0:d1]
            b = gt_box[g0:g1]
            _bev_intersection(a[:, np.array([0, 2, 5, 4, 6])], b[:, np.array([0, 2, 5, 4, 6])],
                              block)
            for j in range(nd):
                for i in range(ng):
                    if block[j, i] > 0:
                        ymax = min(a[j, 1], b[i, 1])
                        ymin = max(a[j, 1] - a[j, 3], b[i, 1] - b[i, 3])
                        block[j, i] *= max(0.0, ymax - ymin)
    return out


@numba.njit(cache=True)
def _candidates(f, inter, in_off, dt_off, gt_off, dt_size, gt_size, ign_gt, ign_dt, is_dc,
                min_ov, c_start, c_det, c_ov, s_start, s_det):
    """Candidate detections (local index, in detection order) for each ground truth of frame f:
    IoU > min_ov and not of another class (devkit ignored_det != -1); and for each box that is
    DontCare: detections of the class (ignored_det == 0) covered more than min_ov (criterion 0)."""
    d0, g0 = dt_off[f], gt_off[f]
    nd, ng = dt_off[f + 1] - d0, gt_off[f + 1] - g0
    base = in_off[f]
    n = 0
    m = 0
    for i in range(ng):
        c_start[i] = n
        s_start[i] = m
        gi = g0 + i
        if ign_gt[gi] != -1:
            for j in range(nd):
                if ign_dt[d0 + j] == -1:
                    continue
                x = inter[base + j * ng + i]
                if x <= 0.0:
                    continue
                ov = x / (dt_size[d0 + j] + gt_size[gi] - x)
                if ov > min_ov:
                    c_det[n] = j
                    c_ov[n] = ov
                    n += 1
        if is_dc[gi]:
            for j in range(nd):
                if ign_dt[d0 + j] != 0:
                    continue
                x = inter[base + j * ng + i]
                if x > 0.0 and x / dt_size[d0 + j] > min_ov:
                    s_det[m] = j
                    m += 1
    c_start[ng] = n
    s_start[ng] = m


@numba.njit(cache=True)
def tp_scores(inter, in_off, dt_off, gt_off, dt_size, gt_size, ign_gt, ign_dt, is_dc, score,
              min_ov):
    """devkit computeStatistics with compute_fp=false: scores of the true positives, each ground
    truth taking the highest-scoring unassigned candidate."""
    n_frames = len(dt_off) - 1
    max_nd = max_ng = 1
    for f in range(n_frames):
        max_nd = max(max_nd, dt_off[f + 1] - dt_off[f])
        max_ng = max(max_ng, gt_off[f + 1] - gt_off[f])
    c_start = np.empty(max_ng + 1, np.int64)
    s_start = np.empty(max_ng + 1, np.int64)
    c_det = np.empty(max_nd * max_ng, np.int64)
    c_ov = np.empty(max_nd * max_ng)
    s_det = np.empty(max_nd * max_ng, np.int64)
    assigned = np.zeros(max_nd, np.bool_)
    out = np.empty(len(gt_size))
    n_out = 0
    for f in range(n_frames):
        d0, g0 = dt_off[f], gt_off[f]
        nd, ng = dt_off[f + 1] - d0, gt_off[f + 1] - g0
        _candidates(f, inter, in_off, dt_off, gt_off, dt_size, gt_size, ign_gt, ign_dt, is_dc,
                    min_ov, c_start, c_det, c_ov, s_start, s_det)
        assigned[:nd] = False
        for i in range(ng):
            if ign_gt[g0 + i] == -1:
                continue
            det_idx = -1
            valid = NO_DETECTION
            for k in range(c_start[i], c_start[i + 1]):
                j = c_det[k]
                if not assigned[j] and score[d0 + j] > valid:
                    det_idx = j
                    valid = score[d0 + j]
            if valid == NO_DETECTION:
                continue
            assigned[det_idx] = True
            if ign_gt[g0 + i] == 0 and ign_dt[d0 + det_idx] == 0:
                out[n_out] = score[d0 + det_idx]
                n_out += 1
    return out[:n_out]


@numba.njit(cache=True)
def pr_counts(inter, in_off, dt_off, gt_off, dt_size, gt_size, ign_gt, ign_dt, is_dc, score,
              dt_alpha, gt_alpha, min_ov, thresholds):
    """devkit computeStatistics with compute_fp=true at every threshold, summed over frames.

    Returns (T, 4): true positives, false positives (after DontCare discounting), false
    negatives, and the summed orientation similarity (1 + cos(alpha_gt - alpha_dt)) / 2 of the TPs.
    """
    n_frames = len(dt_off) - 1
    n_t = len(thresholds)
    max_nd = max_ng = 1
    for f in range(n_frames):
        max_nd = max(max_nd, dt_off[f + 1] - dt_off[f])
        max_ng = max(max_ng, gt_off[f + 1] - gt_off[f])
    c_start = np.empty(max_ng + 1, np.int64)
    s_start = np.empty(max_ng + 1, np.int64)
    c_det = np.empty(max_nd * max_ng, np.int64)
    c_ov = np.empty(max_nd * max_ng)
    s_det = np.empty(max_nd * max_ng, np.int64)
    stamp = np.zeros(max_nd, np.int64)  # stamp[j] == cur: detection j assigned at this step
    cur = 0
    pr = np.zeros((n_t, 4))
    for f in range(n_frames):
        d0, g0 = dt_off[f], gt_off[f]
        nd, ng = dt_off[f + 1] - d0, gt_off[f + 1] - g0
        _candidates(f, inter, in_off, dt_off, gt_off, dt_size, gt_size, ign_gt, ign_dt, is_dc,
                    min_ov, c_start, c_det, c_ov, s_start, s_det)
        for t in range(n_t):
            thresh = thresholds[t]
            cur += 1
            tp = 0
            fn = 0
            sim = 0.0
            for i in range(ng):
                gi = g0 + i
                if ign_gt[gi] == -1:
                    continue
                det_idx = -1
                max_ov = 0.0
                assigned_ignored = False
                for k in range(c_start[i], c_start[i + 1]):
                    j = c_det[k]
                    if stamp[j] == cur or score[d0 + j] < thresh:
                        continue
                    if (c_ov[k] > max_ov or assigned_ignored) and ign_dt[d0 + j] == 0:
                        max_ov = c_ov[k]
                        det_idx = j
                        assigned_ignored = False
                    elif det_idx == -1 and ign_dt[d0 + j] == 1:
                        det_idx = j
                        assigned_ignored = True
                if det_idx == -1:
                    if ign_gt[gi] == 0:
                        fn += 1
                elif ign_gt[gi] == 1 or ign_dt[d0 + det_idx] == 1:
                    stamp[det_idx] = cur
                else:
                    tp += 1
                    sim += (1.0 + np.cos(gt_alpha[gi] - dt_alpha[d0 + det_idx])) / 2.0
                    stamp[det_idx] = cur
            fp = 0
            for j in range(nd):
                if ign_dt[d0 + j] == 0 and stamp[j] != cur and score[d0 + j] >= thresh:
                    fp += 1
            for i in range(ng):  # detections inside DontCare areas are not false positives
                for k in range(s_start[i], s_start[i + 1]):
                    j = s_det[k]
                    if stamp[j] != cur and score[d0 + j] >= thresh:
                        stamp[j] = cur
                        fp -= 1
            pr[t, 0] += tp
            pr[t, 1] += fp
            pr[t, 2] += fn
            pr[t, 3] += sim
    return pr
