"""X-Net checkpoints are read and their class count checked against the config before test,
demo, --load-from and --resume run (mmengine would warn "size mismatch" and carry on with a
random class head); full checkpoints load under torch >= 2.6 without a process-wide setting;
two CPU processes train under torchrun (gloo) and stop at the same iteration of a time budget."""

import os
import re
import subprocess
import sys
import textwrap

import pytest
import torch

import xnet_fusion  # noqa: F401
from common.openmmlab import load_config
from xnet_fusion import CONFIG_DIR
from xnet_fusion.checks import class_head


@pytest.mark.parametrize('name, rows', [('synth/base', 18), ('exp01_car', 2)])
def test_class_head_rows_are_the_built_heads(name, rows):
    """3 classes x (3 sizes x 2 rotations); Car only: 1 x (1 size x 2 rotations)."""
    from mmdet3d.registry import MODELS
    from mmengine.registry import init_default_scope
    init_default_scope('mmdet3d')
    cfg = load_config(name, CONFIG_DIR)
    head = class_head(cfg)
    model = MODELS.build(cfg.model)
    assert model.state_dict()[head.key].shape[0] == head.rows(head.num_classes) == rows


def test_no_process_wide_weights_only_override():
    assert 'TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD' not in os.environ


def _car_only_checkpoint(path):
    """An exp01_car-shaped class head (2 rows) with the meta mmengine writes."""
    torch.save({'state_dict': {'pts_bbox_head.conv_cls.weight': torch.zeros(2, 256, 1, 1)},
                'meta': {'dataset_meta': {'classes': ['Car']}}}, path)
    return path


EXPECTED = ('the checkpoint was trained on 1 class (its meta\'s dataset classes) but the config '
            'has 3 (model.pts_bbox_head.num_classes)')


def test_test_and_demo_refuse_another_class_count(synth_kitti_root, tmp_path, exit_line):
    from xnet_fusion.demo import main as demo_main
    from xnet_fusion.test import main as test_main
    ckpt = _car_only_checkpoint(tmp_path / 'car.pth')
    record, png = tmp_path / 'results.json', tmp_path / 'demo.png'
    msg = exit_line(lambda: test_main(['synth/base', str(ckpt), '--data-root',
                                       str(synth_kitti_root), '--work-dir', str(tmp_path / 'w'),
                                       '--record', str(record)]))
    assert msg.startswith(f'error: {ckpt}: {EXPECTED}')
    msg = exit_line(lambda: demo_main(['synth/base', str(ckpt), '--data-root',
                                       str(synth_kitti_root), '--out', str(png)]))
    assert msg.startswith(f'error: {ckpt}: {EXPECTED}')
    assert not record.exists() and not png.exists()


def test_train_refuses_load_from_and_resume_of_another_class_count(synth_kitti_root, tmp_path,
                                                                   exit_line):
    from xnet_fusion.train import main as train_main
    ckpt = _car_only_checkpoint(tmp_path / 'car.pth')
    work = tmp_path / 'work'
    msg = exit_line(lambda: train_main(['synth/base', '--data-root', str(synth_kitti_root),
                                        '--work-dir', str(work), '--load-from', str(ckpt)]))
    assert msg.startswith(f'error: {ckpt}: {EXPECTED}')
    assert not work.exists()
    work.mkdir()
    (work / 'last_checkpoint').write_text(str(ckpt))  # what --resume picks up
    msg = exit_line(lambda: train_main(['synth/base', '--data-root', str(synth_kitti_root),
                                        '--work-dir', str(work), '--resume']))
    assert msg.startswith(f'error: {ckpt}: {EXPECTED}')
    assert sorted(p.name for p in work.iterdir()) == ['last_checkpoint']


def test_demo_on_a_truncated_checkpoint_is_one_line(synth_kitti_root, tmp_path, exit_line):
    from xnet_fusion.demo import main as demo_main
    ckpt = _car_only_checkpoint(tmp_path / 'car.pth')
    ckpt.write_bytes(ckpt.read_bytes()[:-64])
    msg = exit_line(lambda: demo_main(['synth/base', str(ckpt), '--data-root',
                                       str(synth_kitti_root), '--out', str(tmp_path / 'd.png')]))
    assert msg.startswith(f'error: {ckpt}: expected a PyTorch checkpoint, got a truncated')


def _torchrun(args, timeout):
    env = dict(os.environ, CUDA_VISIBLE_DEVICES='', OMP_NUM_THREADS='1')
    return subprocess.run([sys.executable, '-m', 'torch.distributed.run', '--standalone',
                           '--nproc-per-node=2', *args], capture_output=True, text=True,
                          env=env, timeout=timeout)


def test_time_budget_is_decided_on_rank_0(tmp_path):
    """Rank 1's clock runs 3x as fast as rank 0's: each rank alone would fit and stop at
    different iterations (and the next collective would hang); with rank 0's clock broadcast
    they fit the same schedule and stop together."""
    script = tmp_path / 'budget.py'
    script.write_text(textwrap.dedent('''
        from types import SimpleNamespace
        import torch.distributed as dist
        from mmengine.logging import MessageHub
        from mmengine.runner import IterBasedTrainLoop
        import common.harness.mmengine_budget as budget_hook
        dist.init_process_group('gloo')
        rank = dist.get_rank()
        ticks = iter(range(10 ** 6))
        budget_hook.time.monotonic = lambda: (1.0 if rank == 0 else 3.0) * next(ticks)
        class Loop(IterBasedTrainLoop):
            def __init__(self):
                self._max_iters, self.stop_training = 1000, False
        loop = Loop()
        runner = SimpleNamespace(iter=0, train_loop=loop, param_schedulers=[],
                                 logger=SimpleNamespace(info=lambda msg: None),
                                 message_hub=MessageHub('budget'))
        hook = budget_hook.TimeBudgetHook(seconds=60, probe_iters=5, warmup_iters=2)
        hook.before_train(runner)
        while not loop.stop_training and runner.iter < loop._max_iters:
            hook.after_train_iter(runner, runner.iter)
            runner.iter += 1
        print(f'rank {rank}: {runner.iter} iterations of {loop._max_iters}', flush=True)
        from common.distributed import close_process_group
        close_process_group()  # as every run of the project ends its group
    '''))
    proc = _torchrun([str(script)], timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    # the two ranks print to one pipe, so their lines may run into each other
    lines = sorted(re.findall(r'rank \d: \d+ iterations of \d+', proc.stdout))
    # rank 0's clock, 1 s per iteration: after 2 + 5 iterations, int(0.93 * 53) = 49 more fit
    assert lines == ['rank 0: 56 iterations of 56', 'rank 1: 56 iterations of 56']


def test_two_cpu_processes_train_and_rank_0_writes(synth_kitti_root, tmp_path):
    from common.kitti import read_split
    work = tmp_path / 'work'
    proc = _torchrun(['-m', 'xnet_fusion.train', 'synth/base', '--data-root',
                      str(synth_kitti_root), '--work-dir', str(work), '--max-epochs', '1',
                      '--launcher', 'pytorch'], timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]  # 0 only if both ranks exit 0
    assert sorted(p.name for p in work.glob('*.pth')) == ['epoch_1.pth']
    n_train = len(read_split(synth_kitti_root / 'ImageSets' / 'train.txt'))
    per_rank = -(-n_train // 2)  # DistributedSampler: half of the frames each, batch 2
    ckpt = torch.load(work / 'epoch_1.pth', map_location='cpu', weights_only=False)
    assert ckpt['meta']['iter'] == -(-per_rank // 2)
    logs = list(work.glob('*/*.log'))
    assert len(logs) == 1
    text = logs[0].read_text()
    assert 'Distributed training: True' in text and 'GPU number: 2' in text
    # the full checkpoint (log history pickled) loads for the demo under torch >= 2.6
    from xnet_fusion.predict import load_session
    session = load_session('synth/base', work / 'epoch_1.pth', synth_kitti_root)
    key = 'pts_bbox_head.conv_cls.weight'
    assert torch.equal(session.model.state_dict()[key], ckpt['state_dict'][key])
