"""What detr_deit and xnet_fusion share on top of mmengine 0.10.7's Config and Runner.

- **Loading a config** (``load_config``) the way OpenMMLab's tools do: a file, or a short name
  under the package's config folder (``synth/base``), ``--cfg-options`` merged in, every path
  under the config's ``data_root`` moved to another root, and the work dir
  (``work_dirs/<config name>`` by default).
- **Checkpoints under torch >= 2.6.** torch 2.6 made ``torch.load`` default to
  ``weights_only=True``; mmengine 0.10.7 calls it without the argument, and a full training
  checkpoint (``epoch_N.pth``) also pickles the message hub's ``HistoryBuffer`` objects and numpy
  scalars, so resuming fails with "Weights only load failed". ``trusted_checkpoints()`` restores
  the old default for one ``with`` block only (the runner's resume / ``load_from``); full
  unpickling can run code, so it is for checkpoints you wrote yourself.
- **Reading a checkpoint** with one-line errors (``read_checkpoint``): missing, truncated or not
  a checkpoint at all.
- **Class count of a checkpoint against a config** (``check_checkpoint_classes``): mmengine loads
  a class head of the wrong size with a "size mismatch" warning and carries on with a randomly
  initialised head; we stop instead.
- **Several processes on CPU** (``init_cpu_distributed``): mmengine's launcher calls
  ``torch.cuda.set_device`` whatever the backend, so ``torchrun ... --launcher pytorch`` fails on
  a machine without CUDA. We open the gloo process group from torchrun's environment ourselves;
  the Runner then finds it initialised and uses it (world size, DistributedSampler, DDP,
  rank-0-only checkpoints and logs). ``rank0_value`` lets hooks decide on rank 0's numbers.

- **Atomic checkpoints** (``atomic_checkpoints``): mmengine writes ``epoch_N.pth`` in place; we
  write it beside and move it over, and remove the leftovers of a killed save at the next start.

``build_runner`` puts the checkpoint and process parts together. Importable only where torch and
mmengine are installed (the detr_deit and xnet_fusion environments).
"""

from __future__ import annotations

import atexit
import functools
import os
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from os import PathLike
from pathlib import Path

import torch
import torch.distributed as dist
from mmengine.config import Config

from common.distributed import close_process_group
from common.errors import DataFormatError
from common.io import atomic_path, remove_orphans

TORCHRUN_VARIABLES = ("RANK", "LOCAL_RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")


def find_config(config: str | PathLike, config_dir: str | PathLike) -> Path:
    """The config file ``config``, or the short name ``config`` under ``config_dir``
    (``synth/base`` or ``synth/base.py``); FileNotFoundError (one line) when neither exists."""
    path = Path(config)
    if path.is_file():
        return path
    short = Path(config_dir) / (path.as_posix() if path.suffix == ".py" else f"{path}.py")
    if short.is_file():
        return short
    raise FileNotFoundError(f"{config}: no such config file (nor {short})")


def config_name(config: str | PathLike, config_dir: str | PathLike) -> str:
    """A config's name: its path under ``config_dir`` without .py (``synth/base``), else the
    file's stem."""
    path, config_dir = find_config(config, config_dir).resolve(), Path(config_dir).resolve()
    if path.is_relative_to(config_dir):
        return path.relative_to(config_dir).with_suffix("").as_posix()
    return path.stem


def _replace_prefix(obj, old: str, new: str):
    if isinstance(obj, dict):
        return type(obj)({k: _replace_prefix(v, old, new) for k, v in obj.items()})
    if isinstance(obj, list | tuple):
        return type(obj)(_replace_prefix(v, old, new) for v in obj)
    if isinstance(obj, str) and obj.startswith(old):
        return new + obj[len(old):]
    return obj


def set_data_root(cfg: Config, data_root: str | PathLike) -> None:
    """Point every path of ``cfg`` that starts with its ``data_root`` at ``data_root`` (a
    folder; DataFormatError otherwise)."""
    old = cfg.get("data_root")
    if not old:
        raise ValueError("the config has no data_root")
    if not Path(data_root).is_dir():
        raise DataFormatError(data_root, "expected the data root folder")
    new = str(Path(data_root)) + "/"
    for key in list(cfg.keys()):
        if key != "data_root":
            cfg[key] = _replace_prefix(cfg[key], old, new)
    cfg.data_root = new


def load_config(config: str | PathLike, config_dir: str | PathLike, *,
                data_root: str | PathLike | None = None, work_dir: str | PathLike | None = None,
                cfg_options: dict | None = None) -> Config:
    """The config ``config`` (a file, or a short name under ``config_dir``) with
    ``cfg_options`` (``--cfg-options``) merged in, then its data moved to ``data_root`` when
    given, and ``work_dir`` set: the argument, else the config's own, else
    ``work_dirs/<config name>`` as in MMDetection's tools."""
    cfg = Config.fromfile(str(find_config(config, config_dir)))
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if data_root is not None:
        set_data_root(cfg, data_root)
    if work_dir is not None:
        cfg.work_dir = str(work_dir)
    elif cfg.get("work_dir") is None:
        cfg.work_dir = str(Path("work_dirs") / config_name(config, config_dir))
    return cfg


@contextmanager
def trusted_checkpoints() -> Iterator[None]:
    """Within the block, ``torch.load`` defaults to ``weights_only=False`` (old behaviour)."""
    original = torch.load

    @functools.wraps(original)
    def load(*args, **kwargs):
        kwargs.setdefault("weights_only", False)
        return original(*args, **kwargs)

    torch.load = load
    try:
        yield
    finally:
        torch.load = original


def read_checkpoint(path: str | PathLike) -> dict:
    """The checkpoint at ``path`` (tensors on the CPU; memory-mapped, so cheap to inspect).

    Raises DataFormatError (one line naming the file) when it is missing, truncated, or not a
    PyTorch checkpoint (a dict of weights, or one with a ``state_dict``). Trusted: unpickled in
    full.
    """
    path = Path(path)
    if not path.is_file():
        found = "a folder" if path.is_dir() else "no such file"
        raise DataFormatError(path, f"expected a checkpoint (.pth), found {found}")
    with open(path, "rb") as f:
        zip_format = f.read(4) == b"PK\x03\x04"  # torch.save's format since torch 1.6
    try:
        # a complete zip can be memory-mapped (tensors are read when used); older files cannot
        ckpt = torch.load(path, map_location="cpu", weights_only=False,
                          mmap=zip_format and zipfile.is_zipfile(path))
    except Exception as e:  # noqa: BLE001  (unpickling anything can raise anything)
        first = (str(e).strip().splitlines() or [""])[0].split(". ")[0][:200]  # one sentence
        truncated = zip_format or isinstance(e, EOFError) or "truncated" in first
        what = "a truncated or damaged file" if truncated else "a file that is not one"
        raise DataFormatError(path, f"expected a PyTorch checkpoint, got {what} "
                                    f"({type(e).__name__}: {first})") from None
    if not isinstance(ckpt, dict) or not (
            isinstance(ckpt.get("state_dict"), dict)
            or (ckpt and all(isinstance(v, torch.Tensor) for v in ckpt.values()))):
        raise DataFormatError(path, "expected a PyTorch checkpoint (a dict of weights or one "
                                    f"with a 'state_dict'), got {_describe(ckpt)}")
    return ckpt


def _describe(obj) -> str:
    if isinstance(obj, dict):
        return f"a dict with keys {sorted(map(str, obj))[:5]}"
    return f"a {type(obj).__name__}"


@dataclass(frozen=True)
class ClassHead:
    """Where a config's class count shows in a checkpoint: the weight ``key`` of the class head
    has ``anchors * (num_classes + background)`` rows (DETR: 1 x (n + 1 "no object");
    an anchor head: anchors per cell x n with sigmoid scores)."""

    key: str
    num_classes: int
    anchors: int = 1
    background: int = 0
    source: str = "num_classes"  # where the config sets it, for the message

    def rows(self, num_classes: int) -> int:
        return self.anchors * (num_classes + self.background)


class ClassCountMismatch(ValueError):
    """A checkpoint's class head or class list does not fit the config's class count."""


def checkpoint_classes(ckpt: dict) -> list[str] | None:
    """The class names a checkpoint was trained on (mmengine stores the training set's
    ``dataset_meta`` in its ``meta``), or None."""
    classes = ((ckpt.get("meta") or {}).get("dataset_meta") or {}).get("classes")
    return list(classes) if isinstance(classes, list | tuple) else None


def _state_dict(ckpt: dict) -> dict:
    state = ckpt.get("state_dict", ckpt)
    return {k.removeprefix("module."): v for k, v in state.items()}


def check_checkpoint_classes(path: str | PathLike, ckpt: dict, head: ClassHead) -> None:
    """ClassCountMismatch (one line) unless the checkpoint's class list (meta) and class head
    (state dict shape) both fit ``head.num_classes``. Nothing to compare (a backbone-only file):
    no error."""
    names = checkpoint_classes(ckpt)
    weight = _state_dict(ckpt).get(head.key)
    rows = int(weight.shape[0]) if isinstance(weight, torch.Tensor) and weight.dim() else None
    expected = head.rows(head.num_classes)
    if names is not None and len(names) != head.num_classes:
        found = f"was trained on {_classes(len(names))} (its meta's dataset classes)"
    elif rows is not None and rows != expected:
        per, extra = divmod(rows, head.anchors)
        found = (f"has a class head for {_classes(per - head.background)} ({head.key}: {rows} "
                 "rows)" if not extra else f"has a {rows}-row {head.key}, which fits no class "
                 f"count with the config's {head.anchors} anchors per cell")
    else:
        return
    raise ClassCountMismatch(
        f"{path}: the checkpoint {found} but the config has {head.num_classes} ({head.source}): "
        "use a checkpoint trained with the config's class list, or a config with the "
        "checkpoint's")


def _classes(n) -> str:
    return f"{n} class" if n == 1 else f"{n} classes"


def checkpoint_to_load(cfg) -> str | None:
    """The file the Runner will load: ``load_from``, or with ``resume`` and no ``load_from`` the
    latest checkpoint of the work dir; None when it starts from the config's initialisation."""
    if cfg.get("load_from"):
        return str(cfg.load_from)
    if cfg.get("resume"):
        from mmengine.runner import find_latest_checkpoint

        return find_latest_checkpoint(cfg.work_dir)
    return None


def init_cpu_distributed(cfg) -> bool:
    """With ``launcher='pytorch'`` and no CUDA: open the gloo process group from torchrun's
    environment and make the Runner's DDP wrapper CPU-ready (no ``device_ids``); True if so.

    The Runner keeps ``launcher='pytorch'`` (so it is distributed: DistributedSampler through
    DefaultSampler, MMDistributedDataParallel, checkpoints and logs from rank 0 only), and skips
    its own ``init_dist`` because the group is already initialised. Neither mmengine nor torchrun
    ends the group; ``common.distributed.close_process_group`` does at exit (``atexit``), while
    the interpreter is still whole. On CUDA nothing changes.
    """
    if cfg.get("launcher", "none") != "pytorch" or torch.cuda.is_available():
        return False
    if not dist.is_initialized():
        missing = [v for v in TORCHRUN_VARIABLES if v not in os.environ]
        if missing:
            raise ValueError(f"--launcher pytorch needs torchrun's environment "
                             f"({', '.join(missing)} not set): start it with "
                             "`torchrun --nproc_per_node N -m ...`")
        timeout = ((cfg.get("env_cfg") or {}).get("dist_cfg") or {}).get("timeout")
        dist.init_process_group(
            "gloo", **({"timeout": timedelta(seconds=timeout)} if timeout else {}))
        atexit.register(close_process_group)
    wrapper = dict(cfg.get("model_wrapper_cfg") or dict(
        type="MMDistributedDataParallel", broadcast_buffers=False,
        find_unused_parameters=cfg.get("find_unused_parameters", False)))
    wrapper["device_ids"] = None  # mmengine's default, [LOCAL_RANK], is for GPU modules only
    cfg.model_wrapper_cfg = wrapper
    return True


def is_main_process() -> bool:
    """Rank 0 (or not distributed); before the process group exists, from torchrun's RANK."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank() == 0
    return int(os.environ.get("RANK", "0")) == 0


def rank0_value(value: float) -> float:
    """``value`` as rank 0 has it (every rank must call this at the same point); ``value``
    itself when not distributed. Hooks that decide from wall-clock time use it so that every
    rank makes rank 0's decision and they stop at the same iteration."""
    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return value
    from mmengine.dist import broadcast

    tensor = torch.tensor([value], dtype=torch.float64)
    broadcast(tensor, src=0)
    return float(tensor[0])


def atomic_checkpoints(runner) -> None:
    """Make ``runner.save_checkpoint`` write each local checkpoint to a temporary file beside it
    and move it in place (mmengine writes it in place: a run killed mid-save left a truncated
    ``epoch_N.pth`` that resume then loaded). Only the main process writes, as in mmengine."""
    save = runner.save_checkpoint

    def atomic_save_checkpoint(out_dir, filename, *args, **kwargs):
        if "://" in str(out_dir) or not is_main_process():  # remote storage; other ranks: no-op
            return save(out_dir, filename, *args, **kwargs)
        with atomic_path(Path(out_dir) / filename) as tmp:
            save(str(tmp.parent), tmp.name, *args, **kwargs)

    runner.save_checkpoint = atomic_save_checkpoint


def build_runner(cfg, head: ClassHead | None = None):
    """An mmengine Runner for ``cfg``, after the checkpoint it will load (resume / load_from)
    was read and, with ``head``, its class count checked (both raise one line); on CPU under
    torchrun, with the gloo process group; its checkpoint loading works under torch >= 2.6."""
    from mmengine.runner import Runner

    path = checkpoint_to_load(cfg)
    if path is not None:
        ckpt = read_checkpoint(path)
        if head is not None:
            check_checkpoint_classes(path, ckpt, head)
        del ckpt
    init_cpu_distributed(cfg)
    if is_main_process() and (orphans := remove_orphans([Path(cfg.work_dir) / "*.pth"])):
        print(f"note: removed {len(orphans)} temporary file(s) of an interrupted checkpoint "
              f"save from {cfg.work_dir}")
    runner = Runner.from_cfg(cfg)
    atomic_checkpoints(runner)
    load_or_resume = runner.load_or_resume

    def trusted_load_or_resume() -> None:
        with trusted_checkpoints():
            load_or_resume()

    runner.load_or_resume = trusted_load_or_resume
    return runner
