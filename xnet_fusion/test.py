"""Evaluate an X-Net checkpoint on the config's test split (KITTI AP11/AP40 via common.eval)
and write a results record.

    python -m xnet_fusion.test synth/exp01 work_dirs/synth/exp01/epoch_20.pth \
        --data-root data/synth_kitti
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from common.cli import config_parser
from common.errors import DataFormatError
from common.results import DATASETS

PAPER_SOURCE = ('X-Net reports its ablation on KITTI val without published AP tables in the '
                'code release (Discover304/MMDetection3D-Explainable); no paper numbers')


def build_parser() -> argparse.ArgumentParser:
    p = config_parser('xnet_fusion.test', __doc__, 'xnet_fusion/configs', checkpoint=True)
    p.add_argument('--work-dir', help='default work_dirs/<config name>')
    p.add_argument('--record', help='results record path (default WORK_DIR/results.json)')
    p.add_argument('--dataset', default='kitti', choices=DATASETS,
                   help='dataset name for the record')
    return p


def evaluate(config, checkpoint, data_root=None, work_dir=None, record=None,
             dataset='kitti') -> dict:
    """Run the test loop; returns the metrics and writes a results record. A missing or unreadable
    checkpoint, or one for another class count, raises one line before anything runs."""
    from common.eval import kitti as kitti_eval
    from common.openmmlab import (
        build_runner,
        check_checkpoint_classes,
        config_name,
        load_config,
        read_checkpoint,
    )
    from common.results import make_record, save_record
    from xnet_fusion import CONFIG_DIR  # (registers X-Net's modules)
    from xnet_fusion.checks import class_head
    from xnet_fusion.prepare import prepare
    cfg = load_config(config, CONFIG_DIR, data_root=data_root, work_dir=work_dir)
    check_checkpoint_classes(checkpoint, read_checkpoint(checkpoint), class_head(cfg))
    prepare(cfg.data_root)
    cfg.load_from = str(checkpoint)
    runner = build_runner(cfg, class_head(cfg))
    start = time.perf_counter()
    metrics = runner.test()
    seconds = time.perf_counter() - start
    n = len(runner.test_dataloader.dataset)
    params = sum(p.numel() for p in runner.model.parameters())
    kitti = runner.test_evaluator.metrics[0]  # the record leaves out cells with too few objects
    metrics = kitti_eval.flatten_result(kitti.last_result, kitti.last_counts)
    na = kitti_eval.na_note(kitti.last_counts)
    rec = make_record(model='X-Net', config=config_name(config, CONFIG_DIR), dataset=dataset,
                      split='val', task='fusion3d', metrics=metrics, paper=None,
                      paper_source=PAPER_SOURCE, params=params,
                      infer_ms_per_image=1000 * seconds / max(n, 1),
                      notes=f'checkpoint {Path(checkpoint).name}; test loop incl. data loading'
                      + (f'; {na}' if na else ''))
    save_record(rec, Path(record) if record else Path(cfg.work_dir) / 'results.json')
    return metrics


def main(argv=None) -> None:
    args = build_parser().parse_args(argv)
    try:
        metrics = evaluate(args.config, args.checkpoint, args.data_root, args.work_dir,
                           args.record, args.dataset)
    except (DataFormatError, FileNotFoundError, ValueError) as e:
        sys.exit(f'error: {e}')
    for k in ('Car/3d/AP40/moderate', 'Car/bev/AP40/moderate', 'Car/bbox/AP40/moderate'):
        if k in metrics:
            print(f'{k}: {metrics[k]:.2f}')


if __name__ == '__main__':
    main()
