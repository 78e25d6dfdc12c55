"""Where the time of one training iteration goes: forward + backward of each stage of an
synthetic X-Net row, each timed in isolation on the inputs it sees in a real training step.

    nice -n 10 python -m xnet_fusion.benchmarks.stages --data-root data/synth_kitti \
        --rows base geometric_residual

One training batch (batch 2, the train pipeline with augmentation) goes through the data
preprocessor once; then each stage runs forward + backward ``--repeats`` times on its own inputs
(the outputs of the stages before it, detached and requiring gradients), and the median is
printed as a markdown table in seconds, beside the whole model's forward + backward (losses
summed). ``--amp`` runs everything under bfloat16 autocast (CPU) as ``train --amp`` does.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch

from common.errors import DataFormatError

STAGES = ('image ResNet + FPN', 'sparse encoder', 'SECOND backbone + FPN', 'pre-fusion',
          'graph', 'fusion', 'fusion neck', 'head (forward + loss)', 'whole model')


def _leaf(x):
    """A detached copy of x (tensor or list of tensors) that collects gradients."""
    if isinstance(x, list | tuple):
        return [_leaf(t) for t in x]
    return x.detach().requires_grad_(True)


def _backward(out) -> None:
    """Backward of the sum of every output (a tensor, a list, or a dict of losses)."""
    if isinstance(out, dict):
        out = [v for k, vs in out.items() if 'loss' in k
               for v in (vs if isinstance(vs, list | tuple) else [vs])]
    if isinstance(out, list | tuple):
        out = sum(t.float().sum() for t in out)
    out.float().sum().backward()


def _median_seconds(fn: Callable[[], object], repeats: int, amp: bool) -> float:
    times = []
    for _ in range(repeats + 1):  # the first run is a warm-up
        start = time.perf_counter()
        with torch.autocast('cpu', dtype=torch.bfloat16) if amp else contextlib.nullcontext():
            out = fn()
        _backward(out)
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:])


def stage_closures(model, inputs: dict, samples: list) -> dict[str, Callable[[], object]]:
    """One closure per stage of ``model`` (XNet in train mode), each fed with detached copies of
    what the stages before it produced on ``inputs``."""
    metas = [s.metainfo for s in samples]
    vox = inputs['voxels']
    batch_size = int(vox['coors'][-1, 0].item()) + 1
    with torch.no_grad():
        parts = model.extract_parts(inputs, metas)
        middle = model.pts_middle_encoder(
            model.pts_voxel_encoder(vox['voxels'], vox['num_points'], vox['coors']),
            vox['coors'], batch_size)

    def sparse():
        feats = model.pts_voxel_encoder(vox['voxels'], vox['num_points'], vox['coors'])
        return model.pts_middle_encoder(feats, vox['coors'], batch_size)

    def dense():
        return model.pts_neck(model.pts_backbone(_leaf(middle)))

    fns = {'sparse encoder': sparse, 'SECOND backbone + FPN': dense,
           'head (forward + loss)': lambda: model.pts_bbox_head.loss(
               model.head_input(inputs, _leaf(parts['out'])), samples),
           'whole model': lambda: model.loss(inputs, samples)}
    if not model.with_img:
        return fns
    neck_in = torch.cat((parts['feats'], parts['fused']), dim=1)
    residual = getattr(model.fusion_neck, 'residual', False)
    fns.update({
        'image ResNet + FPN': lambda: model.extract_img_feat(inputs['imgs']),
        'pre-fusion': lambda: model.pre_fusion(_leaf(parts['img_feats']),
                                               _leaf(parts['pts_feat']), metas),
        'fusion': lambda: model.fusion(_leaf(parts['feats']),
                                       None if parts['adj'] is None else _leaf(parts['adj'])),
        'fusion neck': lambda: (model.fusion_neck(_leaf(neck_in), _leaf(parts['pts_feat']))
                                if residual else model.fusion_neck(_leaf(neck_in))),
    })
    if model.get_graph is not None:
        fns['graph'] = lambda: model.get_graph(_leaf(parts['feats']))
    return fns


def time_row(row: str, data_root: Path, repeats: int, amp: bool) -> dict[str, float]:
    """Median seconds of forward + backward per stage of synth/<row> (train mode, batch of
    the config's training loader)."""
    from mmdet3d.registry import MODELS
    from mmengine.registry import init_default_scope
    from mmengine.runner import Runner

    from common.openmmlab import load_config
    from xnet_fusion import CONFIG_DIR
    init_default_scope('mmdet3d')
    torch.manual_seed(0)
    cfg = load_config(f'synth/{row}', CONFIG_DIR, data_root=data_root)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    batch = next(iter(Runner.build_dataloader(cfg.train_dataloader, seed=0)))
    data = model.data_preprocessor(batch, training=True)
    fns = stage_closures(model, data['inputs'], data['data_samples'])
    return {name: _median_seconds(fns[name], repeats, amp) for name in STAGES if name in fns}


def markdown(results: dict[str, dict[str, float]]) -> str:
    rows = list(results)
    lines = ['| stage | ' + ' | '.join(f'{r} (s)' for r in rows) + ' |',
             '|---|' + '---|' * len(rows)]
    for stage in STAGES:
        cells = [f'{results[r][stage]:.2f}' if stage in results[r] else '-' for r in rows]
        lines.append(f'| {stage} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog='python -m xnet_fusion.benchmarks.stages',
                                description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data-root', required=True, help='synthetic KITTI root')
    p.add_argument('--rows', nargs='+', default=['base', 'geometric_residual'],
                   help='synth configs to time (default: base geometric_residual)')
    p.add_argument('--repeats', type=int, default=5, help='timed runs per stage (median)')
    p.add_argument('--amp', action='store_true', help='bfloat16 autocast on the CPU')
    p.add_argument('--out', help='also write the seconds as JSON here')
    args = p.parse_args(argv)
    if args.repeats < 1:
        p.error(f'--repeats must be at least 1, got {args.repeats}')
    try:
        import xnet_fusion  # noqa: F401  (registers modules, spconv guard)
        from xnet_fusion.prepare import prepare
        prepare(Path(args.data_root))
        results = {}
        for row in args.rows:
            results[row] = time_row(row, Path(args.data_root), args.repeats, args.amp)
            print(f"{row}: whole model {results[row]['whole model']:.2f} s", flush=True)
    except (DataFormatError, FileNotFoundError, ValueError) as e:
        sys.exit(f'error: {e}')
    print(markdown(results))
    if args.out:
        from common.io import atomic_write_json
        atomic_write_json(args.out, {'seconds': results, 'amp': args.amp,
                                     'threads': torch.get_num_threads()})


if __name__ == '__main__':
    main()
