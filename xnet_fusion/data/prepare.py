"""Prepare a KITTI root for mmdet3d with mmdet3d's own converters.

Writes, beside ``training/``: ``kitti_infos_{split}.pkl`` (mmdet3d v2 info files),
``training/velodyne_reduced/`` (points inside the camera frustum) and the GT database
(``kitti_gt_database/``, ``kitti_dbinfos_train.pkl``) used by ObjectSample augmentation - the
steps of mmdet3d's ``tools/create_data.py kitti``, driven split by split so that a root without a
``testing/`` part (like the embedded synthetic KITTI) works too. Idempotent: a prepared root is
left alone unless ``--force``.

    python -m xnet_fusion.data.prepare ROOT [--splits train val]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from pathlib import Path

import mmdet3d
import mmengine

from common.errors import DataFormatError
from common.kitti import read_split

INFO_PREFIX = 'kitti'


def load_converters():
    """mmdet3d ships its converters in ``mmdet3d/.mim/tools`` (imported as ``tools``)."""
    mim = str(Path(mmdet3d.__file__).parent / '.mim')
    if mim not in sys.path:
        sys.path.insert(0, mim)
    from tools.dataset_converters import (create_gt_database, kitti_converter,  # noqa: I001
                                          kitti_data_utils, update_infos_to_v2)
    return kitti_converter, kitti_data_utils, update_infos_to_v2, create_gt_database


def info_path(root: Path, split: str) -> Path:
    return root / f'{INFO_PREFIX}_infos_{split}.pkl'


def check_layout(root: Path, splits) -> None:
    for sub in ('image_2', 'label_2', 'calib', 'velodyne'):
        if not (root / 'training' / sub).is_dir():
            raise DataFormatError(root / 'training' / sub, 'missing KITTI folder')
    for split in splits:
        if not (root / 'ImageSets' / f'{split}.txt').is_file():
            raise DataFormatError(root / 'ImageSets' / f'{split}.txt', 'missing split file')


def is_prepared(root: Path, splits=('train', 'val')) -> bool:
    return (all(info_path(root, s).is_file() for s in splits)
            and (root / f'{INFO_PREFIX}_dbinfos_train.pkl').is_file())


def prepare(root: str | Path, splits=('train', 'val'), force: bool = False,
            quiet: bool = True) -> Path:
    """Run the converters on ``root`` (a KITTI root); returns root."""
    # absolute: mmdet3d's GT-database builder joins data_root with an ann_file that already
    # holds the root, which doubles a relative path
    root = Path(root).resolve()
    check_layout(root, splits)
    if is_prepared(root, splits) and not force:
        return root
    from mmengine.registry import init_default_scope
    init_default_scope('mmdet3d')
    kitti_converter, kitti_data_utils, update_infos, gt_db = load_converters()
    out = io.StringIO() if quiet else sys.stdout
    with contextlib.redirect_stdout(out):
        for split in splits:
            ids = [int(i) for i in read_split(root / 'ImageSets' / f'{split}.txt')]
            infos = kitti_data_utils.get_kitti_image_info(
                str(root), training=True, velodyne=True, calib=True, image_ids=ids,
                num_worker=1, relative_path=True)
            kitti_converter._calculate_num_points_in_gt(str(root), infos, True)
            mmengine.dump(infos, str(info_path(root, split)))
            kitti_converter._create_reduced_point_cloud(str(root), str(info_path(root, split)))
            update_infos.update_pkl_infos('kitti', out_dir=str(root),
                                          pkl_path=str(info_path(root, split)))
        gt_db.create_groundtruth_database('KittiDataset', str(root), INFO_PREFIX,
                                          str(info_path(root, 'train')), relative_path=False)
    return root


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        prog='python -m xnet_fusion.data.prepare',
        description='Write mmdet3d info files, velodyne_reduced and the GT database for a '
                    'KITTI root (mmdet3d converters).')
    parser.add_argument('root', help='KITTI root with training/ and ImageSets/')
    parser.add_argument('--splits', nargs='+', default=['train', 'val'])
    parser.add_argument('--force', action='store_true', help='redo a prepared root')
    parser.add_argument('--verbose', action='store_true', help="show the converters' output")
    args = parser.parse_args(argv)
    try:
        prepare(args.root, args.splits, args.force, quiet=not args.verbose)
    except (DataFormatError, OSError) as e:
        sys.exit(f'error: {e}')
    print(f'{args.root}: prepared ({", ".join(args.splits)})')


if __name__ == '__main__':
    main()
