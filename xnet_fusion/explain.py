"""Explanations of one X-Net detection: the learned channel graph and Grad-CAM maps.

    python -m xnet_fusion.explain synth/exp01 work_dirs/synth/exp01/epoch_20.pth \
        --data-root data/synth_kitti --out-dir explain/

Writes ``graph.png`` (the C x C adjacency of the frame, image channels first, the split marked)
and ``gradcam.png`` (Grad-CAM, Selvaraju et al. ICCV 2017: ReLU(sum_k mean(dy/dA_k) A_k), over
the finest image FPN level and over the BEV point features, for the chosen detection's class
score at its BEV cell).
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import numpy as np
import torch

from common.cli import config_parser
from common.errors import DataFormatError


def grad_cam(feat: torch.Tensor, grad: torch.Tensor) -> np.ndarray:
    """Grad-CAM of one frame: feat, grad (C, H, W) -> (H, W) in [0, 1]."""
    cam = torch.relu((grad.mean(dim=(1, 2), keepdim=True) * feat).sum(0))
    cam = cam / cam.max().clamp_min(1e-12)
    return cam.detach().numpy()


def bev_cell(xy: np.ndarray, point_cloud_range, hw) -> tuple[int, int]:
    """Row (y) and column (x) of the BEV cell holding LiDAR point xy."""
    x0, y0, _, x1, y1, _ = point_cloud_range
    i = int(np.clip((xy[1] - y0) / (y1 - y0) * hw[0], 0, hw[0] - 1))
    j = int(np.clip((xy[0] - x0) / (x1 - x0) * hw[1], 0, hw[1] - 1))
    return i, j


@contextlib.contextmanager
def _requires_grad(params):
    """Let ``params`` take gradients for the duration of the block."""
    for p in params:
        p.requires_grad_(True)
    try:
        yield
    finally:
        for p in params:
            p.requires_grad_(False)
            p.grad = None


def explain(session, index: int, det: int | None, out_dir: Path) -> dict:
    """Compute and draw the explanations of detection ``det`` (default: highest score; with no
    detection, the strongest class response of the head)."""
    from common import viz
    from xnet_fusion.predict import predict, preprocess
    model = session.model
    data = preprocess(session, index)
    sample = predict(session, data)
    pred = sample.pred_instances_3d
    metas = [s.metainfo for s in data['data_samples']]
    pcr = model.data_preprocessor.voxel_layer.point_cloud_range
    k = model.pts_bbox_head.num_classes
    # frozen parts (freeze=...) must still pass gradients back to the maps Grad-CAM reads
    frozen = [p for p in model.parameters() if not p.requires_grad]
    with torch.enable_grad(), _requires_grad(frozen):
        parts = model.extract_parts(data['inputs'], metas)
        watched = {'bev': parts['pts_feat']}
        if model.with_img:
            watched['image'] = parts['img_feats'][0]
        for t in watched.values():
            t.retain_grad()
        cls_score = model.pts_bbox_head.forward_single(parts['out'])[0][0]  # (A * K, H, W)
        if len(pred.scores_3d):
            det = int(pred.scores_3d.argmax()) if det is None else det
            label, score = int(pred.labels_3d[det]), float(pred.scores_3d[det])
            i, j = bev_cell(pred.bboxes_3d.tensor[det, :2].numpy(), pcr, cls_score.shape[-2:])
        else:  # nothing above the score threshold: explain the strongest class response
            det = None
            flat = int(cls_score.detach().argmax())
            channel, cell = divmod(flat, cls_score.shape[-2] * cls_score.shape[-1])
            i, j = divmod(cell, cls_score.shape[-1])
            label, score = channel % k, float(torch.sigmoid(cls_score.detach().max()))
        cls_score[label::k, i, j].max().backward()
    cams = {name: grad_cam(t[0], t.grad[0]) for name, t in watched.items()}
    out_dir.mkdir(parents=True, exist_ok=True)
    fig, axes = viz.new_figure(len(cams), size=(7 * len(cams), 4.5))
    for ax, (name, cam) in zip(axes, cams.items(), strict=True):
        if name == 'image':
            img = data['inputs']['imgs'][0].permute(1, 2, 0).numpy()
            img = (img - img.min()) / max(np.ptp(img), 1e-6)
            ax.imshow(img[..., ::-1])  # BGR network input
            ax.imshow(cam, cmap='jet', alpha=0.45, extent=(0, img.shape[1], img.shape[0], 0))
        else:
            ax.imshow(cam, cmap='jet', origin='lower')
            ax.plot([j], [i], marker='x', color='white')
            ax.set_xlabel('x cell (forward)')
            ax.set_ylabel('y cell (left)')
        ax.set_title(f'Grad-CAM {name}: {session.class_names[label]} {score:.2f}')
    viz.save_figure(fig, out_dir / 'gradcam.png')
    result = dict(detection=det, label=session.class_names[label], cell=(i, j), cams=cams)
    if parts.get('adj') is not None:
        adj = parts['adj'][0].detach().numpy()
        n_img = model.pre_fusion.img_transform.conv.out_channels
        fig, (ax,) = viz.new_figure(1, size=(6, 5))
        im = ax.imshow(adj, cmap='viridis')
        ax.axhline(n_img - 0.5, color='white', lw=0.8)
        ax.axvline(n_img - 0.5, color='white', lw=0.8)
        ax.set_title('channel graph (image channels | point channels)')
        ax.set_xlabel('source channel')
        ax.set_ylabel('target channel')
        fig.colorbar(im, ax=ax)
        viz.save_figure(fig, out_dir / 'graph.png')
        result['adj'] = adj
        result['cross_modal_weight'] = float(adj[:n_img, n_img:].sum() + adj[n_img:, :n_img].sum()
                                             ) / max(float(adj.sum()), 1e-12)
    return result


def main(argv=None) -> None:
    p = config_parser('xnet_fusion.explain', __doc__, 'xnet_fusion/configs', checkpoint=True)
    p.add_argument('--frame', help='frame id (6 digits) or index in the val split (default 0)')
    p.add_argument('--det', type=int, help='detection index (default: the highest score)')
    p.add_argument('--out-dir', default='xnet_explain', help='folder for the PNGs')
    args = p.parse_args(argv)
    try:
        if not Path(args.checkpoint).is_file():
            raise FileNotFoundError(f'{args.checkpoint}: no such checkpoint')
        from xnet_fusion.predict import frame_index, load_session
        session = load_session(args.config, args.checkpoint, args.data_root)
        res = explain(session, frame_index(session, args.frame), args.det, Path(args.out_dir))
    except (DataFormatError, FileNotFoundError, ValueError) as e:
        sys.exit(f'error: {e}')
    extra = (f", cross-modal share of graph weight {res['cross_modal_weight']:.2f}"
             if 'adj' in res else '')
    what = 'strongest response' if res['detection'] is None else f"detection {res['detection']}"
    print(f"{args.out_dir}: {what} ({res['label']}) at BEV cell "
          f"{res['cell']}{extra}")


if __name__ == '__main__':
    main()
