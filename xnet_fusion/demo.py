"""Detect on one frame and draw the 3D boxes on the image and in a bird's-eye view (PNG).

    python -m xnet_fusion.demo synth/exp01 work_dirs/synth/exp01/epoch_20.pth \
        --data-root data/synth_kitti --out demo.png

Predictions in green, ground truth (from the label file) in red.
"""

from __future__ import annotations

import sys
from pathlib import Path

from common.cli import config_parser
from common.errors import DataFormatError


def draw(session, index: int, out: Path, score_thr: float) -> int:
    """Run one frame and write the figure; returns the number of drawn detections."""
    import numpy as np

    from common import viz
    from common.kitti import KittiFrameSet, objects_to_arrays
    from common.kitti import geometry as kg
    from xnet_fusion.predict import predict, preprocess, to_kitti_arrays
    data = preprocess(session, index)
    det = to_kitti_arrays(predict(session, data), session.class_names, score_thr)
    frame_id = f"{int(session.dataset.get_data_info(index)['sample_idx']):06d}"
    frames = KittiFrameSet(session.cfg.data_root, split=[frame_id])
    calib, image = frames.calib(frame_id), frames.image(frame_id)
    gt = objects_to_arrays([o for o in frames.label(frame_id) if o.type != 'DontCare'])
    pts = kg.velo_to_rect(frames.velodyne(frame_id)[:, :3], calib)
    fig, (ax_img, ax_bev) = viz.new_figure(2, size=(16, 5))
    viz.show_image(ax_img, image)
    viz.draw_boxes_3d(ax_img, gt['dimensions'], gt['location'], gt['rotation_y'],
                      np.asarray(calib.P2), color='red')
    viz.draw_boxes_3d(ax_img, det['dimensions'], det['location'], det['rotation_y'],
                      np.asarray(calib.P2), labels=det['name'], scores=det['score'])
    viz.draw_bev(ax_bev, pts, gt['dimensions'], gt['location'], gt['rotation_y'], color='red',
                 x_range=(-30, 30), z_range=(0, 60))
    viz.draw_bev(ax_bev, None, det['dimensions'], det['location'], det['rotation_y'],
                 x_range=(-30, 30), z_range=(0, 60))
    ax_img.set_title(f'frame {frame_id}: predictions (green), ground truth (red)')
    viz.save_figure(fig, out)
    return len(det['score'])


def main(argv=None) -> None:
    p = config_parser('xnet_fusion.demo', __doc__, 'xnet_fusion/configs', checkpoint=True)
    p.add_argument('--frame', help='frame id (6 digits) or index in the val split (default 0)')
    p.add_argument('--score-thr', type=float, default=0.3)
    p.add_argument('--out', default='xnet_demo.png', help='output PNG')
    args = p.parse_args(argv)
    try:
        from xnet_fusion.predict import frame_index, load_session
        session = load_session(args.config, args.checkpoint, args.data_root)
        n = draw(session, frame_index(session, args.frame), Path(args.out), args.score_thr)
    except (DataFormatError, FileNotFoundError, ValueError) as e:
        sys.exit(f'error: {e}')
    print(f'{args.out}: {n} detection(s) drawn')


if __name__ == '__main__':
    main()
