"""Two CPU processes (gloo, DDP) against one process on the same global batch of 2 images.

DDP averages the ranks' gradients. DETR's box losses are divided by the box count averaged over
the ranks (mmdet's reduce_mean), but its classification loss by each rank's own count unless
``sync_cls_avg_factor`` (False in mmdet's DETRHead, as in the official DETR): with it the two
runs have the same gradient, without it they differ where the images hold different numbers of
boxes. Dropout off; DeiT has no BatchNorm."""

from __future__ import annotations

import copy
import socket

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from conftest import build_model, small_batch

from common.distributed import close_process_group

CONFIG = "detr_deit-tiny_8xb1-150e_scannet-frames.py"


def _gradients(model, batch) -> dict[str, torch.Tensor]:
    data = model.data_preprocessor(batch, training=True)
    loss, _ = model.parse_losses(model(**data, mode="loss"))
    loss.backward()
    return {k: p.grad.detach().clone() for k, p in model.named_parameters() if p.grad is not None}


def _rank(rank: int, port: int, cfg, state, batch, out: str) -> None:
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                            world_size=2)
    torch.set_num_threads(1)
    model = build_model(cfg)
    model.load_state_dict(state)
    model.eval()  # no dropout: the two runs see the same network
    ddp = torch.nn.parallel.DistributedDataParallel(model, find_unused_parameters=True)
    mine = {k: v[rank:rank + 1] for k, v in batch.items()}  # one image per process
    data = model.data_preprocessor(mine, training=True)
    loss, _ = model.parse_losses(ddp(**data, mode="loss"))
    loss.backward()
    if rank == 0:
        torch.save({k: p.grad for k, p in model.named_parameters() if p.grad is not None}, out)
    close_process_group()


@pytest.mark.parametrize("sync", [True, False], ids=["sync_cls_avg_factor", "default"])
def test_two_processes_against_the_one_process_gradient(load_cfg, tmp_path, sync):
    cfg = load_cfg(CONFIG, **({"model.bbox_head.sync_cls_avg_factor": True} if sync else {}))
    torch.manual_seed(0)
    model = build_model(copy.deepcopy(cfg)).eval()  # building writes into the model config
    batch = small_batch(cfg, n=2, split="train")
    assert batch["inputs"][0].shape == batch["inputs"][1].shape  # same size: no extra padding
    assert sorted(len(s.gt_instances) for s in batch["data_samples"]) == [1, 2]
    expected = _gradients(model, batch)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "rank0_grads.pth"
    mp.spawn(_rank, args=(port, cfg, model.state_dict(), batch, str(out)), nprocs=2)
    got = torch.load(out, weights_only=True)
    assert got.keys() == expected.keys() and len(got) > 300
    worst = max(float((got[k] - g).abs().max() / g.abs().max().clamp(min=1e-12))
                for k, g in expected.items())
    if sync:
        for name, grad in expected.items():
            torch.testing.assert_close(got[name], grad, rtol=1e-4, atol=1e-6, msg=name)
        assert worst < 1e-4
    else:  # the classification loss is divided by 1.0 * 1 + 0.1 * 99 on one rank, by
        assert worst > 1e-3  # 1.0 * 2 + 0.1 * 98 on the other, by their mean in one process
