"""xnet_fusion.reproduce --nproc: each rank trains half of the batch in a gloo process of its
own, with the schedule of one process; two real processes train a row and rank 0 writes."""

import os
import re

import pytest
import torch

import common.openmmlab
from xnet_fusion.reproduce import _train, train_row


class _Runner:
    def train(self):
        pass


def _built_config(root, work, monkeypatch, nproc):
    built, threads = [], []
    monkeypatch.setattr(common.openmmlab, 'build_runner',
                        lambda cfg, head: built.append(cfg) or _Runner())
    monkeypatch.setattr(torch, 'set_num_threads', threads.append)
    _train('base', root, work, 1.0, None, False, nproc)
    return built[0], threads


def test_ranks_split_the_batch_and_keep_the_schedule(synth_kitti_root, tmp_path, monkeypatch):
    one, threads_one = _built_config(synth_kitti_root, tmp_path / 'a', monkeypatch, 1)
    two, threads_two = _built_config(synth_kitti_root, tmp_path / 'b', monkeypatch, 2)
    assert one.train_dataloader.batch_size == 2 and two.train_dataloader.batch_size == 1
    assert one.get('launcher', 'none') == 'none' and two.launcher == 'pytorch'
    # the same schedule in iterations of the global batch: 8 frames, 6 for training -> 3 per
    # epoch of batch 2, whether one process takes both frames or each of two takes one
    assert one.train_cfg['max_iters'] == two.train_cfg['max_iters'] == 40 * 3
    assert threads_one == [] and threads_two == [max(1, os.cpu_count() // 2)]


def test_a_rank_s_bad_input_is_one_line(synth_kitti_root, tmp_path):
    """Each of three ranks refuses a batch of 2; the launcher's failure becomes one line."""
    with pytest.raises(ValueError) as err:
        train_row('base', synth_kitti_root, tmp_path / 'base', 1.0, nproc=3)
    assert re.fullmatch(r'rank [012]: base: a batch of 2 does not split between 3 processes',
                        str(err.value))


def test_two_processes_train_a_row_and_rank_0_writes(synth_kitti_root, tmp_path):
    from mmengine.config import Config
    work = tmp_path / 'base'
    trained = train_row('base', synth_kitti_root, work, 0.15, nproc=2)
    assert trained.checkpoint.parent == work and trained.checkpoint.is_file()
    assert sorted(p.name for p in work.glob('*.pth')) == [trained.checkpoint.name]
    ckpt = torch.load(trained.checkpoint, map_location='cpu', weights_only=False)
    assert ckpt['meta']['iter'] >= 1 and trained.precision is None
    logs = list(work.glob('*/*.log'))
    assert len(logs) == 1
    text = logs[0].read_text()
    assert 'Distributed training: True' in text and 'GPU number: 2' in text
    dumped = Config.fromfile(work / 'base.py')
    assert dumped.train_dataloader.batch_size == 1 and dumped.launcher == 'pytorch'
