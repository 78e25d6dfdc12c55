"""xnet_fusion.prepare on bad KITTI input: one line naming the file (and the line), exit
status 1 from the CLIs that run it, no traceback and nothing written; on good input the info dicts
it builds with common's readers are mmdet3d's own, key for key, dtype for dtype."""

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from common.errors import DataFormatError
from common.kitti import KittiFrameSet, read_split

GOOD = 'Car 0.00 0 -1.57 100.00 150.00 200.00 250.00 1.50 1.60 3.90 1.00 1.50 20.00 -1.55'


@pytest.fixture(scope='module')
def synth_root(tmp_path_factory) -> Path:
    """5 synthetic KITTI frames (4 train, 1 val), not prepared."""
    from common.synth.generate import generate
    root = tmp_path_factory.mktemp('synth_kitti_bad') / 'kitti'
    generate('kitti', root, num=5, seed=3, progress=False)
    return root


def _label_14_fields(root: Path, fid: str) -> str:
    path = root / 'training' / 'label_2' / f'{fid}.txt'
    short = GOOD.rsplit(' ', 1)[0]
    path.write_text(f'{GOOD}\n{short}\n')
    return (f'{path}:2: expected 15 fields (16 with a score), got 14: {short!r}')


def _label_not_a_number(root: Path, fid: str) -> str:
    path = root / 'training' / 'label_2' / f'{fid}.txt'
    path.write_text(GOOD.replace(' -1.57 ', ' abc ') + '\n')
    return f"{path}:1: expected a number for field 'alpha', got 'abc'"


def _calib_without_p2(root: Path, fid: str) -> str:
    path = root / 'training' / 'calib' / f'{fid}.txt'
    lines = path.read_text().splitlines(keepends=True)
    path.write_text(''.join(line for line in lines if not line.startswith('P2:')))
    return f'{path}: expected key(s) P2, missing from the file'


def _velodyne_odd_size(root: Path, fid: str) -> str:
    path = root / 'training' / 'velodyne' / f'{fid}.bin'
    with open(path, 'ab') as f:
        f.write(b'\0' * 4)
    return (f'{path}: expected a size that is a multiple of 16 bytes (4 float32 per point), '
            f'got {path.stat().st_size}')


def _truncated_png(root: Path, fid: str) -> str:
    path = root / 'training' / 'image_2' / f'{fid}.png'
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    return f'{path}: expected a readable image (PNG/JPEG), got: image file is truncated'


CASES = {
    'label_14_fields': _label_14_fields,
    'label_not_a_number': _label_not_a_number,
    'calib_without_p2': _calib_without_p2,
    'velodyne_odd_size': _velodyne_odd_size,
    'truncated_png': _truncated_png,
}


def _files(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_size for p in root.rglob('*')}


@pytest.fixture(params=list(CASES))
def bad_root(request, synth_root, tmp_path):
    """(root, expected message, files before): a copy of the synthetic root whose val frame (the
    last split prepared, so that a train split would be written first) has one bad file."""
    root = tmp_path / 'kitti'
    shutil.copytree(synth_root, root)
    fid = read_split(root / 'ImageSets' / 'val.txt')[0]
    message = CASES[request.param](root, fid)
    return root, message, _files(root)


def test_prepare_raises_one_line_and_writes_nothing(bad_root):
    from xnet_fusion.prepare import prepare
    root, message, before = bad_root
    with pytest.raises(DataFormatError) as e:
        prepare(root)
    assert str(e.value) == message
    assert _files(root) == before  # no info pkl, velodyne_reduced, database or staging folder


def test_prepare_cli_exits_1_with_one_line(bad_root, repo_root):
    root, message, before = bad_root
    proc = subprocess.run([sys.executable, '-m', 'xnet_fusion.prepare', str(root)],
                          cwd=repo_root, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1
    assert proc.stderr == f'error: {message}\n'
    assert proc.stdout == ''
    assert _files(root) == before


@pytest.mark.parametrize('cli', ['train', 'test', 'demo'])
def test_clis_running_prepare_exit_with_its_line(cli, synth_root, tmp_path):
    """The tools that prepare their data root first stop with the same line (in-process)."""
    import importlib
    root = tmp_path / 'kitti'
    shutil.copytree(synth_root, root)
    message = _calib_without_p2(root, read_split(root / 'ImageSets' / 'val.txt')[0])
    import torch
    ckpt = tmp_path / 'model.pth'  # test and demo read their checkpoint before preparing:
    torch.save({'state_dict': {}}, ckpt)  # a readable one, with no class head to compare
    argv = {'train': ['synth/exp01', '--data-root', str(root), '--work-dir', str(tmp_path)],
            'test': ['synth/exp01', str(ckpt), '--data-root', str(root),
                     '--work-dir', str(tmp_path)],
            'demo': ['synth/exp01', str(ckpt), '--data-root', str(root),
                     '--out', str(tmp_path / 'demo.png')]}[cli]
    before = _files(root)
    with pytest.raises(SystemExit) as e:
        importlib.import_module(f'xnet_fusion.{cli}').main(argv)
    assert e.value.code == f'error: {message}'  # sys.exit(str): stderr, exit status 1
    assert _files(root) == before


def _assert_same(a, b, where='info'):
    """Equal values of the same types; arrays of the same dtype, shape and bytes."""
    assert type(a) is type(b), where
    if isinstance(a, dict):
        assert list(a) == list(b), where
        for k in a:
            _assert_same(a[k], b[k], f'{where}[{k!r}]')
    elif isinstance(a, list):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _assert_same(x, y, f'{where}[{i}]')
    elif isinstance(a, np.ndarray):
        assert (a.dtype, a.shape) == (b.dtype, b.shape), where
        assert a.tobytes() == b.tobytes(), where
    else:
        assert a == b, where


@pytest.mark.parametrize('which', ['synthetic', 'real'])
def test_infos_are_mmdet3ds(which, synth_root, kitti_fixture_root):
    """The info dicts read with common's readers equal get_kitti_image_info's (the real frame
    has a DontCare-free 1-object label and KITTI's own calib formatting)."""
    from xnet_fusion.prepare import frame_info, load_converters
    _, kitti_data_utils, _, _ = load_converters()
    root = synth_root if which == 'synthetic' else kitti_fixture_root
    ids = sorted(p.stem for p in (root / 'training' / 'image_2').glob('*.png'))
    frames = KittiFrameSet(root, split=ids)
    ours = [frame_info(frames, fid, kitti_data_utils.add_difficulty_to_annos) for fid in ids]
    theirs = kitti_data_utils.get_kitti_image_info(
        str(root), training=True, velodyne=True, calib=True, image_ids=[int(i) for i in ids],
        num_worker=1, relative_path=True)
    _assert_same(ours, theirs)


def test_prepared_root_is_complete(synth_kitti_root):
    from xnet_fusion.prepare import is_prepared
    assert is_prepared(synth_kitti_root)
    assert (synth_kitti_root / 'kitti_gt_database').is_dir()
    assert not list(synth_kitti_root.glob('.prepare-*'))  # the staging folder is gone
