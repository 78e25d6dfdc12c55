"""Synthetic benchmark: train the ablation rows on the synthetic KITTI within a time budget each,
evaluate them through common.eval.kitti and write the ablation table, a demo and an explanation.

    python -m common.synth kitti data/synth_kitti
    python -m xnet_fusion.reproduce --data-root data/synth_kitti --work-dir work_dirs/reproduce

Per row (base, exp00, exp01, geometric by default): WORK_DIR/<row>/ with checkpoints and
results.json. Then WORK_DIR/results.json (the geometric-fusion record, the headline model),
WORK_DIR/ablation.md, WORK_DIR/demo.png and WORK_DIR/explain/. A row whose results.json exists
is reused; an interrupted row resumes from its last checkpoint and the rest of its budget. The
fusion rows start from the trained base row's weights (point branch and head; image branch and
fusion stages from their own initialisation), as X-Net's exp01 config loads its base checkpoint;
`--from-scratch` trains them from random weights; exp01_1 (graph frozen) always starts from
exp01, geometric_frozen_pts (point branch frozen) from base, and base_dir_refit(_neck) (all
but the direction classifier frozen) from base_second_dir (base without the heading cue). The
schedule (warm-up and cosine decay of the synth config) is shrunk to the number of iterations
the first few iterations say will fit in the budget (TimeBudgetHook). Target: Car 3D AP40
(moderate) >= 70 for base and geometric after 30 CPU minutes each.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from common.cli import reproduce_parser
from common.errors import DataFormatError

ROWS = ('base', 'exp00', 'exp01', 'geometric')
# every row a user may name: the configs of xnet_fusion/configs/synth/
SYNTH_ROWS = sorted(p.stem for p in (Path(__file__).parent / 'configs' / 'synth').glob('*.py'))
HEADLINE = 'geometric'
# the row whose trained weights each row starts from: the fusion rows from base, as X-Net's
# configs/xnet/xnet_exp01-kitti_3d_3class-cyclic_40e.py (load_from = the base checkpoint);
# exp01_1 from exp01 by definition (its graph frozen after exp01's training)
STARTS_FROM = {'exp00': 'base', 'exp01': 'base', 'exp01_2': 'base', 'geometric': 'base',
               'exp01_1': 'exp01', 'geometric_frozen_pts': 'base', 'geometric_residual': 'base',
               'geometric_residual_s8': 'base', 'base_dir_refit': 'base_second_dir',
               'base_dir_refit_neck': 'base_second_dir'}


def freezes(row: str) -> bool:
    """Whether the row's config freezes modules (``model.freeze``): such a row keeps weights of
    the row it starts from fixed, so it starts from it even with --from-scratch."""
    from common.openmmlab import load_config
    from xnet_fusion import CONFIG_DIR
    return bool(load_config(f'synth/{row}', CONFIG_DIR).model.get('freeze'))


def start_row(row: str, work_dir: Path, from_scratch: bool) -> str | None:
    """The row whose trained weights ``row`` starts from (None: from scratch); its checkpoint
    must exist under ``work_dir``."""
    parent = STARTS_FROM.get(row)
    if parent is None or (from_scratch and not freezes(row)):
        return None
    if not (work_dir / parent / 'last_checkpoint').is_file():
        hint = '' if freezes(row) else ' (or pass --from-scratch)'
        raise FileNotFoundError(f'{row} starts from the trained {parent} row, but '
                                f'{work_dir / parent} holds no checkpoint: run --rows {parent} '
                                f'first{hint}')
    return parent


def _depth(row: str) -> int:
    """How many rows ``row`` starts from, transitively (base 0, geometric 1, exp01_1 2)."""
    return 1 + _depth(STARTS_FROM[row]) if row in STARTS_FROM else 0


# errors of bad input that main reports in one line, also when a training rank raised them
BAD_INPUT_ERRORS = (DataFormatError, FileNotFoundError, ValueError)

# a val_interval no run reaches: an IterBasedTrainLoop then validates only after its last
# iteration (the one the schedule or the time budget ends with)
VALIDATE_AT_END_ONLY = 10 ** 9


@dataclass(frozen=True)
class TrainedRow:
    """What training a row gives back: its last checkpoint, the training wall time (seconds, to
    0.1 s) and, with ``--amp``, the precision it ran in."""

    checkpoint: Path
    seconds: float
    precision: str | None = None


def train_row(row: str, data_root: Path, work_dir: Path, minutes: float,
              load_from: str | None = None, amp: bool = False, nproc: int = 1) -> TrainedRow:
    """Train synth/<row> for at most ``minutes``, initialised from the checkpoint
    ``load_from`` when given (an interrupted row resumes its own last checkpoint instead), in
    mixed precision with ``amp`` (xnet_fusion/amp.py), in ``nproc`` processes when above 1
    (``train_ranks``: the same global batch, split between them)."""
    start = time.perf_counter()
    if nproc > 1:
        precision = train_ranks(nproc, row, data_root, work_dir, minutes, load_from, amp)
    else:
        precision = _train(row, data_root, work_dir, minutes, load_from, amp)
    seconds = round(time.perf_counter() - start, 1)
    return TrainedRow(Path((work_dir / 'last_checkpoint').read_text().strip()), seconds,
                      precision)


def train_ranks(nproc: int, *args) -> str | None:
    """Run ``_train(*args, nproc=nproc)`` in ``nproc`` local processes (torchrun's standalone
    rendezvous, gloo on CPU) and give back rank 0's precision. spconv's CPU kernels run on one
    thread (xnet_fusion/spconv_cpu.py), so one process leaves the other cores idle while they
    run; N processes of cores / N threads keep them busy (measured speed-ups:
    docs/xnet_fusion.md)."""
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
    from torch.distributed.launcher.api import LaunchConfig, elastic_launch
    config = LaunchConfig(min_nodes=1, max_nodes=1, nproc_per_node=nproc,
                          run_id=str(uuid.uuid4()), rdzv_backend='c10d',
                          rdzv_endpoint='localhost:0', max_restarts=0, monitor_interval=1)
    try:
        return elastic_launch(config, _train)(*args, nproc)[0]
    except ChildFailedError as e:  # a rank's bad-input error stays one line, a bug a traceback
        rank, failure = e.get_first_failure()
        message = failure.message
        message = message.get('message', '') if isinstance(message, dict) else str(message)
        kind, _, text = message.partition(': ')
        if kind.rsplit('.', 1)[-1] in {e.__name__ for e in BAD_INPUT_ERRORS}:
            raise ValueError(f'rank {rank}: {text}') from None
        raise


def _train(row: str, data_root: Path, work_dir: Path, minutes: float, load_from: str | None,
           amp: bool, nproc: int = 1) -> str | None:
    """Build synth/<row>'s runner as ``train_row`` describes and train it; with ``nproc`` above
    1 this is one rank of ``train_ranks`` (batch / nproc frames, cores / nproc threads). Returns
    the precision of ``--amp`` (None without it)."""
    import torch

    from common.distributed import close_process_group
    from common.openmmlab import build_runner, load_config
    from xnet_fusion import CONFIG_DIR
    from xnet_fusion.checks import class_head
    cfg = load_config(f'synth/{row}', CONFIG_DIR, data_root=data_root, work_dir=work_dir)
    batch = cfg.train_dataloader.batch_size
    epochs = cfg.train_cfg.max_epochs
    iters_per_epoch = -(-len_train(cfg) // batch)
    if nproc > 1:
        if batch % nproc:
            raise ValueError(f'{row}: a batch of {batch} does not split between {nproc} '
                             'processes')
        cfg.train_dataloader.batch_size = batch // nproc
        cfg.launcher = 'pytorch'
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // nproc))
    # iteration-based so that the budget can stop it mid-epoch; same schedule length
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=epochs * iters_per_epoch,
                         val_interval=VALIDATE_AT_END_ONLY)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', by_epoch=False,
                                        interval=max(iters_per_epoch, 1), max_keep_ckpts=1,
                                        save_last=True)
    cfg.log_processor = dict(by_epoch=False)
    cfg.custom_hooks = [dict(type='TimeBudgetHook', seconds=60 * minutes)]
    cfg.resume = (work_dir / 'last_checkpoint').is_file()
    # with resume, mmengine resumes from load_from when it is set: only a fresh row loads it
    cfg.load_from = None if cfg.resume else load_from
    precision = None
    if amp:
        from xnet_fusion.amp import use_amp
        precision = use_amp(cfg)
    build_runner(cfg, class_head(cfg)).train()
    close_process_group()
    return precision


def len_train(cfg) -> int:
    from common.kitti import read_split
    return len(read_split(Path(cfg.data_root) / 'ImageSets' / 'train.txt'))


def run(data_root: Path, work_dir: Path, minutes: float, rows=ROWS,
        from_scratch: bool = False, amp: bool = False, nproc: int = 1) -> dict:
    from common.results import ResultRecord, save_record
    from xnet_fusion.ablation import table
    from xnet_fusion.prepare import prepare
    from xnet_fusion.test import evaluate
    prepare(data_root)
    records = {}
    for row in sorted(rows, key=_depth):  # a row after the row it starts from
        row_dir = work_dir / row
        rec_path = row_dir / 'results.json'
        if not rec_path.is_file():
            parent = start_row(row, work_dir, from_scratch)
            load_from = ((work_dir / parent / 'last_checkpoint').read_text().strip()
                         if parent else None)
            trained = train_row(row, data_root, row_dir, minutes, load_from, amp, nproc)
            evaluate(f'synth/{row}', trained.checkpoint, data_root, row_dir, rec_path,
                     'synth-kitti')
            import json
            rec = ResultRecord.from_dict(json.loads(rec_path.read_text()), rec_path)
            rec.train_seconds = trained.seconds
            rec.notes += f'; trained {minutes:g} min budget on the synthetic KITTI'
            if amp:
                rec.notes += f' with --amp ({trained.precision})'
            if nproc > 1:
                rec.notes += f' in {nproc} processes'
            if parent:
                rec.init_from = parent
                rec.notes += f', starting from the trained {parent} row'
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
    from xnet_fusion.predict import load_session
    ckpt = (work_dir / row / 'last_checkpoint').read_text().strip()
    session = load_session(f'synth/{row}', ckpt, data_root)
    draw(session, 0, work_dir / 'demo.png', 0.3)
    try:
        explain(session, 0, None, work_dir / 'explain')
    except ValueError as e:  # no detection in the frame
        print(f'explain: {e}')


def main(argv=None) -> None:
    p = reproduce_parser('xnet_fusion.reproduce', __doc__, 'synthetic KITTI root', 30.0,
                         'training budget per row')
    p.add_argument('--rows', nargs='+', default=list(ROWS),
                   choices=SYNTH_ROWS)
    p.add_argument('--from-scratch', action='store_true',
                   help='train the fusion rows from random weights instead of from the trained '
                        'base row (exp01_1, geometric_frozen_pts and base_dir_refit still '
                        'start from the row whose weights they freeze)')
    p.add_argument('--amp', action='store_true',
                   help='mixed-precision training (bfloat16 on a CPU with native bfloat16, '
                        'float16 on CUDA, float32 elsewhere; xnet_fusion/amp.py)')
    p.add_argument('--nproc', type=int, default=1,
                   help='train each row in this many local processes (gloo on CPU), the batch '
                        'split between them; spconv runs on one thread, so on a CPU one process '
                        'per core trains faster (default 1)')
    args = p.parse_args(argv)
    if args.nproc < 1:
        p.error(f'--nproc must be at least 1, got {args.nproc}')
    try:
        import xnet_fusion  # noqa: F401
        run(args.data_root, args.work_dir, args.minutes, tuple(args.rows),
            args.from_scratch, args.amp, args.nproc)
    except BAD_INPUT_ERRORS as e:
        sys.exit(f'error: {e}')
    print((args.work_dir / 'ablation.md').read_text())


if __name__ == '__main__':
    main()
