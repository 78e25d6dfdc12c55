"""Prepare a KITTI root for mmdet3d with mmdet3d's own converters.

Writes, beside ``training/``: ``kitti_infos_{split}.pkl`` (mmdet3d v2 info files),
``training/velodyne_reduced/`` (points inside the camera frustum) and the GT database
(``kitti_gt_database/``, ``kitti_dbinfos_train.pkl``) used by ObjectSample augmentation - the
steps of mmdet3d's ``tools/create_data.py kitti``, driven split by split so that a root without a
``testing/`` part (like the synthetic KITTI) works too. Idempotent: a prepared root is
left alone unless ``--force``.

The frames are read with common's KITTI readers (``common.kitti``, ``common.io.read_image``) into
the same info dicts as mmdet3d's ``get_kitti_image_info``, every frame of every split before
anything is written: a bad file is one ``DataFormatError`` naming it (and its line), and leaves
the root as it was. The outputs are written in a staging folder inside the root and moved into
place at the end, ``kitti_dbinfos_train.pkl`` (what marks a root as prepared) last.

    python -m xnet_fusion.prepare ROOT [--splits train val]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import sys
import tempfile
from pathlib import Path

import mmdet3d
import mmengine
import numpy as np

from common.errors import DataFormatError
from common.kitti import KittiCalib, KittiFrameSet, KittiObject
from common.kitti.velodyne import check_velodyne

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


def dbinfo_path(root: Path) -> Path:
    return root / f'{INFO_PREFIX}_dbinfos_train.pkl'


def check_layout(root: Path, splits) -> None:
    for sub in ('image_2', 'label_2', 'calib', 'velodyne'):
        if not (root / 'training' / sub).is_dir():
            raise DataFormatError(root / 'training' / sub, 'missing KITTI folder')
    for split in splits:
        if not (root / 'ImageSets' / f'{split}.txt').is_file():
            raise DataFormatError(root / 'ImageSets' / f'{split}.txt', 'missing split file')


def is_prepared(root: Path, splits=('train', 'val')) -> bool:
    return (all(info_path(root, s).is_file() for s in splits)
            and dbinfo_path(root).is_file())


def _extend_matrix(mat: np.ndarray) -> np.ndarray:
    """(3, 4) -> (4, 4) with a last row 0 0 0 1 (mmdet3d kitti_data_utils._extend_matrix)."""
    return np.concatenate([mat, np.array([[0., 0., 0., 1.]])], axis=0)


def label_annos(objs: list[KittiObject]) -> dict:
    """mmdet3d's ``get_label_anno`` dict of a frame's label objects, same keys, order, dtypes."""
    names = [o.type for o in objs]
    num_objects = len([n for n in names if n != 'DontCare'])
    annos = {
        'name': np.array(names),
        'truncated': np.array([o.truncated for o in objs]),
        'occluded': np.array([o.occluded for o in objs]),
        'alpha': np.array([o.alpha for o in objs]),
        'bbox': np.array([o.bbox.tolist() for o in objs]).reshape(-1, 4),
        # hwl in the label, lhw (camera) in mmdet3d's infos
        'dimensions': np.array([o.dimensions.tolist() for o in objs]).reshape(-1, 3)[:, [2, 0, 1]],
        'location': np.array([o.location.tolist() for o in objs]).reshape(-1, 3),
        'rotation_y': np.array([o.rotation_y for o in objs]).reshape(-1),
    }
    if objs and objs[0].score is not None:  # mmdet3d: scores when the first line has one
        annos['score'] = np.array([0.0 if o.score is None else o.score for o in objs])
    else:
        annos['score'] = np.zeros((annos['bbox'].shape[0], ))
    annos['index'] = np.array(list(range(num_objects)) + [-1] * (len(objs) - num_objects),
                              dtype=np.int32)
    annos['group_ids'] = np.arange(len(objs), dtype=np.int32)
    return annos


def calib_info(calib: KittiCalib) -> dict:
    """mmdet3d's ``calib`` info of a frame: (4, 4) matrices (``extend_matrix=True``)."""
    rect = np.zeros([4, 4], dtype=calib.R0_rect.dtype)
    rect[3, 3] = 1.
    rect[:3, :3] = calib.R0_rect
    return {'P0': _extend_matrix(calib.P0), 'P1': _extend_matrix(calib.P1),
            'P2': _extend_matrix(calib.P2), 'P3': _extend_matrix(calib.P3), 'R0_rect': rect,
            'Tr_velo_to_cam': _extend_matrix(calib.Tr_velo_to_cam),
            'Tr_imu_to_velo': _extend_matrix(calib.Tr_imu_to_velo)}


def frame_info(frames: KittiFrameSet, frame_id: str, add_difficulty) -> dict:
    """The info dict ``get_kitti_image_info(root, training=True, velodyne=True, calib=True,
    relative_path=True)`` builds for one frame, from common's readers (DataFormatError naming a
    bad file). ``add_difficulty`` is mmdet3d's ``kitti_data_utils.add_difficulty_to_annos``."""
    rel = frames.subset_dir.relative_to(frames.root)
    shape = frames.image(frame_id).shape[:2]  # decodes the whole image: a truncated PNG fails
    annos = label_annos(frames.label(frame_id))
    calib = calib_info(frames.calib(frame_id))
    check_velodyne(frames.velodyne_path(frame_id))
    info = {
        'image': {'image_idx': int(frame_id),
                  'image_path': str(rel / 'image_2' / f'{frame_id}.png'),
                  'image_shape': np.array(shape, dtype=np.int32)},
        'point_cloud': {'num_features': 4,
                        'velodyne_path': str(rel / 'velodyne' / f'{frame_id}.bin')},
        'calib': calib,
        'annos': annos,
    }
    add_difficulty(info)
    return info


def read_infos(root: Path, splits, add_difficulty) -> dict[str, list[dict]]:
    """{split: infos} of every frame of the splits; raises on the first bad file."""
    infos = {}
    for split in splits:
        frames = KittiFrameSet(root, split=root / 'ImageSets' / f'{split}.txt')
        infos[split] = [frame_info(frames, fid, add_difficulty) for fid in frames.ids]
    return infos


def _write(root: Path, infos: dict[str, list[dict]], converters) -> None:
    """Info files, velodyne_reduced and the GT database of ``infos`` (num_points_in_gt set),
    staged in ``root/.prepare-*`` and moved into place."""
    kitti_converter, _, update_infos, gt_db = converters
    stage = Path(tempfile.mkdtemp(prefix='.prepare-', dir=root))
    try:
        v1_dir, v2_dir, reduced = stage / 'v1', stage / 'v2', stage / 'velodyne_reduced'
        for d in (v1_dir, v2_dir, reduced):
            d.mkdir()
        for split, split_infos in infos.items():
            v1 = v1_dir / info_path(root, split).name
            mmengine.dump(split_infos, str(v1))
            kitti_converter._create_reduced_point_cloud(str(root), str(v1), save_path=str(reduced))
            update_infos.update_pkl_infos('kitti', out_dir=str(v2_dir), pkl_path=str(v1))
        # from here the root is not "prepared" until its last file is in place
        dbinfo_path(root).unlink(missing_ok=True)
        reduced_dir = root / 'training' / 'velodyne_reduced'
        reduced_dir.mkdir(exist_ok=True)
        for f in sorted(reduced.iterdir()):
            os.replace(f, reduced_dir / f.name)  # the GT database reads them from there
        train_info = (v2_dir / info_path(root, 'train').name if 'train' in infos
                      else info_path(root, 'train'))
        gt_db.create_groundtruth_database(
            'KittiDataset', str(root), INFO_PREFIX, str(train_info), relative_path=False,
            database_save_path=str(stage / 'gt_database'),
            db_info_save_path=str(stage / 'dbinfos.pkl'))
        for split in infos:
            os.replace(v2_dir / info_path(root, split).name, info_path(root, split))
        database = root / f'{INFO_PREFIX}_gt_database'
        if database.exists():
            os.replace(database, stage / 'old_gt_database')
        os.replace(stage / 'gt_database', database)
        os.replace(stage / 'dbinfos.pkl', dbinfo_path(root))
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def prepare(root: str | Path, splits=('train', 'val'), force: bool = False,
            quiet: bool = True) -> Path:
    """Run the converters on ``root`` (a KITTI root); returns root.

    DataFormatError (one line naming the file, and the line in it) for a missing or malformed
    image, label, calib or velodyne file of any frame of ``splits``; nothing is written then.
    """
    # absolute: mmdet3d's GT-database builder joins data_root with an ann_file that already
    # holds the root, which doubles a relative path
    root = Path(root).resolve()
    check_layout(root, splits)
    if is_prepared(root, splits) and not force:
        return root
    from mmengine.registry import init_default_scope
    init_default_scope('mmdet3d')
    converters = load_converters()
    kitti_converter, kitti_data_utils = converters[:2]
    out = io.StringIO() if quiet else sys.stdout
    with contextlib.redirect_stdout(out):
        infos = read_infos(root, splits, kitti_data_utils.add_difficulty_to_annos)
        for split_infos in infos.values():
            kitti_converter._calculate_num_points_in_gt(str(root), split_infos, True)
        _write(root, infos, converters)
    return root


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        prog='python -m xnet_fusion.prepare',
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
