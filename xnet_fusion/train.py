"""Train an X-Net config with mmengine's Runner (CPU or GPU; multi-GPU through torchrun).

    python -m xnet_fusion.train synth/exp01 --data-root data/synth_kitti
    torchrun --nproc_per_node 4 -m xnet_fusion.train exp01 --data-root data/kitti --launcher pytorch

The data root is prepared with mmdet3d's converters first if it is not yet (info files,
velodyne_reduced, GT database). ``--resume`` continues from the last checkpoint of the work dir.
The checkpoint of ``--resume`` / ``--load-from`` is read and its class count checked against the
config before anything is built (one-line error). Under torchrun without CUDA the processes
train on CPU through the gloo backend (common/openmmlab.py).
"""

from __future__ import annotations

import argparse
import sys

from mmengine.config import DictAction

from common.cli import config_parser
from common.errors import DataFormatError


def build_parser() -> argparse.ArgumentParser:
    p = config_parser('xnet_fusion.train', __doc__, 'xnet_fusion/configs')
    p.add_argument('--work-dir', help='default work_dirs/<config name>')
    p.add_argument('--load-from', help='initialise from this checkpoint (fine-tuning)')
    p.add_argument('--resume', action='store_true', help='resume from the last checkpoint')
    p.add_argument('--max-epochs', type=int, help='override the schedule length')
    p.add_argument('--amp', action='store_true',
                   help='mixed precision: float16 on CUDA (AmpOptimWrapper), bfloat16 on a CPU '
                        'with native bfloat16, float32 elsewhere (xnet_fusion/amp.py)')
    p.add_argument('--launcher', default='none', choices=['none', 'pytorch', 'slurm', 'mpi'])
    p.add_argument('--cfg-options', nargs='+', action=DictAction, help='key=value overrides')
    return p


def main(argv=None) -> None:
    args = build_parser().parse_args(argv)
    try:
        import xnet_fusion  # noqa: F401  (registers modules, spconv guard)
        from common.openmmlab import build_runner, load_config
        from xnet_fusion import CONFIG_DIR
        from xnet_fusion.checks import class_head
        from xnet_fusion.prepare import prepare
        cfg = load_config(args.config, CONFIG_DIR, data_root=args.data_root,
                          work_dir=args.work_dir, cfg_options=args.cfg_options)
        prepare(cfg.data_root)
        cfg.launcher = args.launcher
        if args.load_from:
            cfg.load_from = args.load_from
        if args.max_epochs:
            cfg.train_cfg.max_epochs = args.max_epochs
        cfg.resume = args.resume
        if args.amp:
            from xnet_fusion.amp import use_amp
            use_amp(cfg)
        build_runner(cfg, class_head(cfg)).train()
    except (DataFormatError, FileNotFoundError, ValueError) as e:
        sys.exit(f'error: {e}')


if __name__ == '__main__':
    main()
