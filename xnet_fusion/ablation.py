"""The ablation table as markdown: which fusion modules each experiment uses and its APs.

    python -m xnet_fusion.ablation work_dirs/synth/base work_dirs/synth/exp00 ...

Each WORK_DIR holds a ``results.json`` written by ``xnet_fusion.test`` (its ``config`` field
names the experiment's config, from which the modules are read).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from common.errors import DataFormatError

COLUMNS = [('Car 3D', 'Car/3d/AP40/moderate'), ('Car BEV', 'Car/bev/AP40/moderate'),
           ('Ped 3D', 'Pedestrian/3d/AP40/moderate'), ('Cyc 3D', 'Cyclist/3d/AP40/moderate')]


def modules(config: str) -> dict[str, str]:
    """Which module fills each stage of the config ('-' for none)."""
    from common.openmmlab import load_config
    from xnet_fusion import CONFIG_DIR
    m = load_config(config, CONFIG_DIR).model

    def name(stage):
        cfg = m.get(stage)
        return cfg['type'] if cfg else '-'
    pre = name('pre_fusion')
    if m.get('pre_fusion'):
        pre += f" ({m.pre_fusion.get('img_levels', 1)} img lvl)"
    if m.get('fusion_stride', 1) > 1:
        pre += f", BEV pooled {m.fusion_stride}x"
    graph = name('get_graph') + (' (frozen)' if 'get_graph' in m.get('freeze', ()) else '')
    fusion = name('fusion')
    if m.get('fusion') and m.fusion.get('conv'):
        fusion += f" ({m.fusion.conv})"
    neck = name('fusion_neck')
    if m.get('fusion_neck') and m.fusion_neck.get('residual'):
        neck += ' + point residual'
    return {'image': 'ResNet-18 + FPN' if m.get('img_backbone') else '-', 'pre-fusion': pre,
            'graph': graph, 'fusion': fusion, 'fusion neck': neck}


def table(work_dirs) -> str:
    import json

    from common.results import ResultRecord
    head = (['experiment', 'starts from', 'image', 'pre-fusion', 'graph', 'fusion', 'fusion neck']
            + [c for c, _ in COLUMNS])
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for wd in work_dirs:
        path = Path(wd) / 'results.json'
        if not path.is_file():
            raise DataFormatError(path, 'no results record (run xnet_fusion.test first)')
        try:
            rec = ResultRecord.from_dict(json.loads(path.read_text()), path)
        except json.JSONDecodeError as e:
            raise DataFormatError(path, f'not JSON: {e}') from None
        mods = modules(rec.config)
        aps = [f"{rec.metrics[k]:.1f}" if k in rec.metrics else '-' for _, k in COLUMNS]
        start = rec.init_from or 'scratch'
        lines.append('| ' + ' | '.join([Path(rec.config).stem, start, *mods.values(), *aps])
                     + ' |')
    return '\n'.join(lines) + '\n\nAP40, moderate difficulty, in percent (common.eval.kitti).\n'


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog='python -m xnet_fusion.ablation', description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('work_dirs', nargs='+', help='work dirs with results.json')
    p.add_argument('--out', help='also write the markdown here')
    args = p.parse_args(argv)
    try:
        md = table(args.work_dirs)
        if args.out:
            from common.io import atomic_write_text
            atomic_write_text(args.out, md)
    except (DataFormatError, FileNotFoundError, ValueError) as e:
        sys.exit(f'error: {e}')
    print(md)


if __name__ == '__main__':
    main()
