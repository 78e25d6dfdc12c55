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

from common.errors import DataFormatError

PAPER_SOURCE = ('X-Net reports its ablation on KITTI val without published AP tables in the '
                'code release (Discover304/MMDetection3D-Explainable); no paper numbers')


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog='python -m xnet_fusion.test', description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('config', help='config file or name under xnet_fusion/configs')
    p.add_argument('checkpoint', help='checkpoint (.pth) to evaluate')
    p.add_argument('--data-root', help='KITTI root (default: the config data_root)')
    p.add_argument('--work-dir', help='default work_dirs/<config name>')
    p.add_argument('--record', help='results record path (default WORK_DIR/results.json)')
    p.add_argument('--dataset', default='kitti', help='dataset name for the record')
    return p


def evaluate(config, checkpoint, data_root=None, work_dir=None, record=None,
             dataset='kitti') -> dict:
    """Run the test loop; returns the metrics and writes a ResultRecord. A missing or unreadable
    checkpoint, or one for another class count, raises one line before anything runs."""
    import xnet_fusion  # noqa: F401
    from common.openmmlab import build_runner, check_checkpoint_classes, read_checkpoint
    from common.results import ResultRecord, save_record
    from xnet_fusion.prepare import prepare
    from xnet_fusion.runconfig import class_head, load_config
    cfg = load_config(config, data_root, work_dir)
    check_checkpoint_classes(checkpoint, read_checkpoint(checkpoint), class_head(cfg))
    prepare(cfg.data_root)
    cfg.load_from = str(checkpoint)
    runner = build_runner(cfg, class_head(cfg))
    start = time.perf_counter()
    metrics = runner.test()
    seconds = time.perf_counter() - start
    n = len(runner.test_dataloader.dataset)
    params = sum(p.numel() for p in runner.model.parameters())
    metrics = {k.split('/', 1)[1] if k.startswith('Kitti metric/') else k: float(v)
               for k, v in metrics.items()}
    rec = ResultRecord(model='xnet_fusion', config=str(config), dataset=dataset,
                       split='val', task='fusion3d', metrics=metrics, paper=None,
                       paper_source=PAPER_SOURCE, params=params,
                       infer_ms_per_image=1000 * seconds / max(n, 1),
                       notes=f'checkpoint {Path(checkpoint).name}; test loop incl. data loading')
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
