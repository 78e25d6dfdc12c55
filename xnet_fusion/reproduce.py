"""Embedded benchmark: train the ablation rows on the synthetic KITTI within a time budget each,
evaluate them through common.eval.kitti and write the ablation table, a demo and an explanation.

    python -m common.synth kitti data/synth_kitti
    python -m xnet_fusion.reproduce --data-root data/synth_kitti --work-dir work_dirs/reproduce

Per row (base, exp00, exp01, geometric by default): WORK_DIR/<row>/ with checkpoints and
results.json. Then WORK_DIR/results.json (the geometric-fusion record, the headline model),
WORK_DIR/ablation.md, WORK_DIR/demo.png and WORK_DIR/explain/. A row whose results.json exists
is reused; an interrupted row resumes from its last checkpoint (with a fresh budget). The
schedule (warm-up and cosine decay of the embedded config) is shrunk to the number of iterations
the first few iterations say will fit in the budget (TimeBudgetHook). Target (issue): Car 3D AP40
(moderate) >= 70 for base and geometric after 30 CPU minutes each.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

from common.errors import DataFormatError

ROWS = ('base', 'exp00', 'exp01', 'geometric')
HEADLINE = 'geometric'


def train_row(row: str, data_root: Path, work_dir: Path, minutes: float) -> Path:
    """Train embedded/<row> for at most ``minutes``; returns the last checkpoint."""
    from mmengine.runner import Runner

    from xnet_fusion.runconfig import load_config
    cfg = load_config(f'embedded/{row}', data_root, work_dir)
    epochs = cfg.train_cfg.max_epochs
    iters_per_epoch = -(-len_train(cfg) // cfg.train_dataloader.batch_size)
    # iteration-based so that the budget can stop it mid-epoch; same schedule length
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=epochs * iters_per_epoch,
                         val_interval=10 ** 9)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', by_epoch=False,
                                        interval=max(iters_per_epoch, 1), max_keep_ckpts=1,
                                        save_last=True)
    cfg.log_processor = dict(by_epoch=False)
    cfg.custom_hooks = [dict(type='TimeBudgetHook', seconds=60 * minutes)]
    last = work_dir / 'last_checkpoint'
    cfg.resume = last.is_file()
    if row == 'exp01_1':
        cfg.load_from = (work_dir.parent / 'exp01' / 'last_checkpoint').read_text().strip()
    start = time.perf_counter()
    Runner.from_cfg(cfg).train()
    (work_dir / 'train_seconds.txt').write_text(f'{time.perf_counter() - start:.1f}\n')
    return Path(last.read_text().strip())


def len_train(cfg) -> int:
    from common.kitti import read_split
    return len(read_split(Path(cfg.data_root) / 'ImageSets' / 'train.txt'))


def run(data_root: Path, work_dir: Path, minutes: float, rows=ROWS) -> dict:
    from common.results import ResultRecord, save_record
    from xnet_fusion.ablation import table
    from xnet_fusion.data.prepare import prepare
    from xnet_fusion.test import evaluate
    prepare(data_root)
    records = {}
    for row in rows:
        row_dir = work_dir / row
        rec_path = row_dir / 'results.json'
        if not rec_path.is_file():
            ckpt = train_row(row, data_root, row_dir, minutes)
            evaluate(f'embedded/{row}', ckpt, data_root, row_dir, rec_path, 'synth_kitti')
            import json
            rec = ResultRecord.from_dict(json.loads(rec_path.read_text()), rec_path)
            seconds = float((row_dir / 'train_seconds.txt').read_text())
            rec.train_seconds = seconds
            rec.notes += f'; trained {minutes:g} min budget on the embedded synthetic KITTI'
            save_record(rec, rec_path)
        records[row] = rec_path
    from common.io import atomic_write_text
    atomic_write_text(work_dir / 'ablation.md', table([work_dir / r for r in rows]))
    head = HEADLINE if HEADLINE in rows else rows[-1]
    shutil.copyfile(records[head], work_dir / 'results.json')
    demo_and_explain(head, data_root, work_dir)
    return records


def demo_and_explain(row: str, data_root: Path, work_dir: Path) -> None:
    from xnet_fusion.demo import draw
    from xnet_fusion.explain import explain
    from xnet_fusion.inference import load_session
    ckpt = (work_dir / row / 'last_checkpoint').read_text().strip()
    session = load_session(f'embedded/{row}', ckpt, data_root)
    draw(session, 0, work_dir / 'demo.png', 0.3)
    try:
        explain(session, 0, None, work_dir / 'explain')
    except ValueError as e:  # no detection in the frame
        print(f'explain: {e}')


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog='python -m xnet_fusion.reproduce', description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data-root', required=True, help='embedded synthetic KITTI root')
    p.add_argument('--work-dir', required=True)
    p.add_argument('--minutes', type=float, default=30.0, help='training budget per row')
    p.add_argument('--rows', nargs='+', default=list(ROWS),
                   choices=['base', 'exp00', 'exp01', 'exp01_1', 'exp01_2', 'geometric'])
    args = p.parse_args(argv)
    try:
        import xnet_fusion  # noqa: F401
        run(Path(args.data_root), Path(args.work_dir), args.minutes, tuple(args.rows))
    except (DataFormatError, FileNotFoundError, ValueError) as e:
        sys.exit(f'error: {e}')
    print((Path(args.work_dir) / 'ablation.md').read_text())


if __name__ == '__main__':
    main()
