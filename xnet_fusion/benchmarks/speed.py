"""Forward time per frame of every synthetic X-Net variant and of mmdet3d's own SECOND
(VoxelNet from mmdet3d's config, given the same point-branch sizes), measured in one run on the
same frames; prints ms/frame and the ratio to SECOND.

    nice -n 10 python -m xnet_fusion.benchmarks.speed --data-root data/synth_kitti --frames 5

Timed: data preprocessor (voxelization, image normalisation) + forward + box decoding, batch 1,
after one warm-up frame; data loading is not timed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

from common.errors import DataFormatError

VARIANTS = ('base', 'exp00', 'exp01', 'exp01_2', 'geometric', 'geometric_residual',
            'geometric_residual_s8')


def mmdet3d_second(synth_cfg):
    """mmdet3d's SECOND config with the synthetic-data point-branch sizes of ``synth_cfg``."""
    import mmdet3d
    from mmengine.config import Config
    cfg = Config.fromfile(str(Path(mmdet3d.__file__).parent / '.mim' / 'configs' / 'second'
                              / 'second_hv_secfpn_8xb6-80e_kitti-3d-3class.py'))
    ours = synth_cfg.model
    cfg.model.data_preprocessor.voxel_layer = ours.data_preprocessor.voxel_layer
    cfg.model.middle_encoder.sparse_shape = ours.pts_middle_encoder.sparse_shape
    cfg.model.backbone = ours.pts_backbone
    cfg.model.neck = ours.pts_neck
    cfg.model.bbox_head.anchor_generator.ranges = ours.pts_bbox_head.anchor_generator.ranges
    cfg.model.bbox_head.in_channels = ours.pts_bbox_head.in_channels
    cfg.model.bbox_head.feat_channels = ours.pts_bbox_head.feat_channels
    return cfg.model


def time_model(model, items, repeats: int = 1) -> float:
    """Mean ms per frame over ``items`` (first one is a warm-up)."""
    from mmengine.dataset import pseudo_collate
    batches = [pseudo_collate([it]) for it in items]
    model.eval()
    with torch.no_grad():
        model(**model.data_preprocessor(batches[0], False), mode='predict')
        start = time.perf_counter()
        for _ in range(repeats):
            for b in batches[1:]:
                model(**model.data_preprocessor(b, False), mode='predict')
        return 1000 * (time.perf_counter() - start) / (repeats * max(len(batches) - 1, 1))


def run(data_root, frames: int, variants=VARIANTS) -> dict:
    from mmdet3d.registry import DATASETS, MODELS
    from mmengine.registry import init_default_scope

    import xnet_fusion  # noqa: F401
    from common.openmmlab import load_config
    from xnet_fusion import CONFIG_DIR
    from xnet_fusion.prepare import prepare
    init_default_scope('mmdet3d')
    torch.manual_seed(0)
    prepare(data_root)
    results = {}
    for name in variants:
        cfg = load_config(f'synth/{name}', CONFIG_DIR, data_root=data_root)
        dataset = DATASETS.build(cfg.test_dataloader.dataset)
        items = [dataset[i % len(dataset)] for i in range(frames + 1)]
        model = MODELS.build(cfg.model)
        model.init_weights()
        results[name] = time_model(model, items)
        if name == 'base':
            second = MODELS.build(mmdet3d_second(cfg))
            second.init_weights()
            results['mmdet3d SECOND'] = time_model(second, items)
        print(f'{name}: {results[name]:.1f} ms/frame', flush=True)
    return results


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog='python -m xnet_fusion.benchmarks.speed', description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data-root', required=True, help='synthetic KITTI root')
    p.add_argument('--frames', type=int, default=5)
    p.add_argument('--variants', nargs='+', default=list(VARIANTS), choices=list(VARIANTS))
    p.add_argument('--out', help='write the numbers as JSON here')
    args = p.parse_args(argv)
    if 'base' not in args.variants:
        p.error('base must be measured (mmdet3d SECOND is timed beside it)')
    try:
        res = run(Path(args.data_root), args.frames, args.variants)
    except (DataFormatError, FileNotFoundError, ValueError) as e:
        sys.exit(f'error: {e}')
    ref = res['mmdet3d SECOND']
    print('| model | ms/frame | x SECOND |\n|---|---|---|')
    for k, v in res.items():
        print(f'| {k} | {v:.1f} | {v / ref:.2f} |')
    if args.out:
        from common.io import atomic_write_json
        atomic_write_json(args.out, {'ms_per_frame': res, 'threads': torch.get_num_threads()})


if __name__ == '__main__':
    main()
