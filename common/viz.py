"""Drawing helpers for every demo (matplotlib, no display needed).

* :func:`draw_boxes_2d` - 2D boxes (x1, y1, x2, y2) with labels/scores on an image;
* :func:`draw_boxes_3d` - KITTI 3D boxes (hwl, bottom centre, ry in the rectified camera frame)
  projected with a (3, 4) camera matrix, the front face crossed;
* :func:`draw_bev` - bird's-eye view (camera x right, z forward) of points and 3D boxes;
* :func:`new_figure` / :func:`save_figure` - a pyplot-free Figure and an atomic PNG write.

Each ``draw_*`` draws on a matplotlib ``Axes`` and returns it, so panels can be combined.
"""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike

import numpy as np

from common.io import atomic_save
from common.kitti import geometry as kg

# the 12 edges of a devkit-ordered box: bottom 0-3, top 4-7, verticals
BOX_EDGES = ((0, 1), (1, 2), (2, 3), (3, 0), (4, 5), (5, 6), (6, 7), (7, 4),
             (0, 4), (1, 5), (2, 6), (3, 7))
FRONT_FACE = (0, 1, 5, 4)


def new_figure(n_cols: int = 1, size: tuple[float, float] = (8.0, 4.0), dpi: int = 100):
    """A Figure with ``n_cols`` Axes side by side (no pyplot state, works headless)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=dpi)
    axes = [fig.add_subplot(1, n_cols, k + 1) for k in range(n_cols)]
    return fig, axes


def save_figure(fig, path: str | PathLike) -> None:
    """Write ``fig`` as PNG at ``path`` atomically."""
    fig.tight_layout()
    atomic_save(path, lambda p: fig.savefig(p, format="png"))


def _label(labels, scores, k) -> str | None:
    parts = []
    if labels is not None:
        parts.append(str(labels[k]))
    if scores is not None:
        parts.append(f"{float(scores[k]):.2f}")
    return " ".join(parts) or None


def show_image(ax, image: np.ndarray):
    """Image (H, W, 3) uint8 with pixel axes and no ticks."""
    ax.imshow(image)
    ax.set_xlim(0, image.shape[1])
    ax.set_ylim(image.shape[0], 0)
    ax.set_axis_off()
    return ax


def draw_boxes_2d(ax, boxes: np.ndarray, labels: Sequence | None = None,
                  scores: Sequence[float] | None = None, color: str = "lime", linewidth=1.5):
    """Rectangles for boxes (N, 4) x1, y1, x2, y2 in pixels, captioned with label/score."""
    from matplotlib.patches import Rectangle

    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    for k, (x1, y1, x2, y2) in enumerate(boxes):
        ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, edgecolor=color,
                               linewidth=linewidth))
        text = _label(labels, scores, k)
        if text:
            ax.text(x1, y1 - 2, text, color="black", fontsize=7, va="bottom",
                    bbox=dict(facecolor=color, alpha=0.7, pad=1, edgecolor="none"))
    return ax


def draw_boxes_3d(ax, dimensions: np.ndarray, location: np.ndarray, rotation_y: np.ndarray,
                  P: np.ndarray, labels: Sequence | None = None,
                  scores: Sequence[float] | None = None, color: str = "lime", linewidth=1.2):
    """KITTI boxes (N,3) hwl, (N,3) bottom centre, (N,) ry projected with P (3, 4); boxes with a
    corner behind the camera are skipped. The front face (heading) is crossed."""
    corners = kg.box3d_corners(dimensions, location, rotation_y)
    for k, c in enumerate(corners):
        uv, depth = kg.rect_to_image(c, P)
        if np.any(depth <= 0.1):
            continue
        for i, j in BOX_EDGES:
            ax.plot(uv[[i, j], 0], uv[[i, j], 1], color=color, linewidth=linewidth)
        f = uv[list(FRONT_FACE)]
        ax.plot(f[[0, 2], 0], f[[0, 2], 1], color=color, linewidth=linewidth * 0.7)
        ax.plot(f[[1, 3], 0], f[[1, 3], 1], color=color, linewidth=linewidth * 0.7)
        text = _label(labels, scores, k)
        if text:
            top = uv[4:].min(axis=0)
            ax.text(top[0], top[1] - 2, text, color="black", fontsize=7, va="bottom",
                    bbox=dict(facecolor=color, alpha=0.7, pad=1, edgecolor="none"))
    return ax


def draw_bev(ax, points_rect: np.ndarray | None = None, dimensions: np.ndarray | None = None,
             location: np.ndarray | None = None, rotation_y: np.ndarray | None = None,
             color: str = "lime", x_range=(-40.0, 40.0), z_range=(0.0, 70.0),
             labels: Sequence | None = None, point_size: float = 0.5):
    """Bird's-eye view in the rectified camera frame: x to the right, z forward (up in the plot).

    points_rect (N, >=3) e.g. ``kg.velo_to_rect(velodyne[:, :3], calib)``; boxes as in
    :func:`draw_boxes_3d`, drawn as their ground rectangles with a line towards the front.
    """
    if points_rect is not None and len(points_rect):
        p = np.asarray(points_rect)
        ax.scatter(p[:, 0], p[:, 2], s=point_size, c="0.3", marker=".", linewidths=0)
    if dimensions is not None and len(dimensions):
        corners = kg.box3d_corners(dimensions, location, rotation_y)[:, :4][:, :, [0, 2]]
        for k, c in enumerate(corners):
            ring = np.vstack([c, c[:1]])
            ax.plot(ring[:, 0], ring[:, 1], color=color, linewidth=1.2)
            centre, front = c.mean(axis=0), c[:2].mean(axis=0)  # face 0-1 is the front
            ax.plot([centre[0], front[0]], [centre[1], front[1]], color=color, linewidth=1.2)
            if labels is not None:
                ax.text(c[:, 0].max(), c[:, 1].max(), str(labels[k]), fontsize=6, color=color)
    ax.set_xlim(*x_range)
    ax.set_ylim(*z_range)
    ax.set_aspect("equal")
    ax.set_xlabel("x (m, right)")
    ax.set_ylabel("z (m, forward)")
    return ax
