"""One results record per evaluation, shared by every model so numbers can be tabulated together.

On disk a record is a JSON object with exactly the fields of :class:`ResultRecord`.
``python -m common.benchmark RESULTS_DIR`` renders a folder of them into tables and plots.
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

from common.errors import DataFormatError
from common.io import atomic_write_json

TASKS = ("2d", "mono3d", "fusion3d")
# The names a record may use, so that one model, dataset or split is one row label everywhere.
MODELS = ("CenterNet", "Deep3DBox", "CenterNet -> Deep3DBox", "DETR-DeiT-tiny", "DETR-R50",
          "X-Net")
DATASETS = ("synth-voc", "synth-kitti", "synth-scannet", "voc", "kitti", "scannet-frames", "coco")
SPLITS = ("train", "val", "test")
_ALLOWED = {"model": MODELS, "dataset": DATASETS, "split": SPLITS, "task": TASKS}
# Suffixes of the files a config comes from; a record names the config, not its file.
_FILE_SUFFIXES = (".py", ".json", ".yaml", ".yml", ".pth", ".keras")


@dataclass
class ResultRecord:
    """One evaluation of one model on one dataset split.

    ``model``, ``dataset``, ``split`` and ``task`` are one of :data:`MODELS`, :data:`DATASETS`,
    :data:`SPLITS` and :data:`TASKS` (ValueError otherwise); new records come from
    :func:`make_record`. ``metrics`` and ``paper`` map metric names (e.g.
    ``"Car/3d/AP40/moderate"``, ``"mAP"``) to values in percent; ``paper`` holds the published
    figure(s) of the original paper for the same metric names, cited by ``paper_source``.
    ``init_from`` names what training was initialised from when it was not the config's own
    initialisation (e.g. ``"base"``: the weights of the trained base row).
    """

    model: str
    config: str
    dataset: str
    split: str
    task: str
    metrics: dict[str, float]
    paper: dict[str, float] | None = None
    paper_source: str = ""
    params: int | None = None
    train_seconds: float | None = None
    infer_ms_per_image: float | None = None
    hardware: str = ""  # filled by make_record; "" in a record that did not say
    notes: str = ""
    init_from: str = ""  # what training started from (a checkpoint or row); "" = from scratch

    def __post_init__(self) -> None:
        for name in _ALLOWED:
            check_name(name, getattr(self, name))
        self.metrics = {str(k): float(v) for k, v in self.metrics.items()}
        if self.paper is not None:
            self.paper = {str(k): float(v) for k, v in self.paper.items()}

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict, path: str | PathLike = "<dict>") -> ResultRecord:
        names = {f.name for f in dataclasses.fields(cls)}
        required = {f.name for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING
                    and f.default_factory is dataclasses.MISSING}
        if not isinstance(d, dict):
            raise DataFormatError(path, "expected a JSON object (a results record)")
        missing = sorted(required - d.keys())
        if missing:
            raise DataFormatError(path, f"results record lacks field(s) {', '.join(missing)}")
        unknown = sorted(d.keys() - names)
        if unknown:
            raise DataFormatError(path, f"results record has unknown field(s) {', '.join(unknown)}")
        try:
            return cls(**d)
        except (TypeError, ValueError, AttributeError) as e:
            raise DataFormatError(path, f"bad results record: {e}") from None


def check_name(field_name: str, value: str) -> None:
    """ValueError naming the field, the value and the allowed ones unless ``value`` is one of
    the names the field ("model", "dataset", "split" or "task") allows."""
    allowed = _ALLOWED[field_name]
    if value not in allowed:
        raise ValueError(f"{field_name} must be one of {', '.join(map(repr, allowed))}; "
                         f"got {value!r}")


def make_record(*, model: str, config: str, dataset: str, split: str, task: str,
                metrics: dict[str, float], **fields) -> ResultRecord:
    """The record of an evaluation on this machine: ``hardware`` filled, names checked.

    ``config`` is a short name (``"res18_256_skip"``, ``"synth/base"``, a config file's stem),
    not a path; ``fields`` are the other fields of :class:`ResultRecord`.
    """
    if (not config or "\\" in config or config.startswith("/") or config.count("/") > 1
            or config.endswith(_FILE_SUFFIXES)):
        raise ValueError(f"config must be a short name such as 'res18_256_skip' or 'synth/base', "
                         f"not a path; got {config!r}")
    return ResultRecord(model=model, config=config, dataset=dataset, split=split, task=task,
                        metrics=metrics, hardware=hardware_string(), **fields)


def hardware_string() -> str:
    """Short description of the machine: CPU model and its widest vector unit, core count, and
    the GPU when torch sees one, e.g. ``AMD EPYC (AVX2), 2 cores``."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = cpu_from_cpuinfo(f.read()) or cpu
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    text = f"{cpu}, {cores} core{'' if cores == 1 else 's'}"
    gpu = _gpu_name()
    return f"{text}, {gpu}" if gpu else text


# /proc/cpuinfo flag -> name, widest first. Two CPUs of one model name can differ here, and it
# matters (without AVX512-BF16 a CenterNet bfloat16 step was 12x slower than float32), so records
# name it.
_VECTOR_UNITS = (("amx_bf16", "AMX"), ("avx512_bf16", "AVX-512 BF16"), ("avx512f", "AVX-512"),
                 ("avx2", "AVX2"))


def cpu_from_cpuinfo(text: str) -> str | None:
    """'MODEL (UNIT)' from the first processor of /proc/cpuinfo's text; None without a model."""
    model, flags = None, set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name" and model is None:
            model = value.strip()
        elif key.strip() == "flags" and not flags:
            flags = set(value.split())
    if model is None:
        return None
    unit = next((name for flag, name in _VECTOR_UNITS if flag in flags), None)
    return f"{model} ({unit})" if unit else model


def _gpu_name() -> str | None:
    import sys

    torch = sys.modules.get("torch")  # only ask torch if the caller already imported it
    if torch is None:
        return None
    try:
        if torch.cuda.is_available():
            return torch.cuda.get_device_name(0)
    except Exception:  # a broken CUDA setup must not break writing a record
        return None
    return None


def save_record(record: ResultRecord, path: str | PathLike) -> None:
    """Write ``record`` as JSON at ``path`` atomically."""
    atomic_write_json(path, record.to_dict())


def _read_json(path: str | PathLike):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except json.JSONDecodeError as e:
        raise DataFormatError(path, f"invalid JSON: {e.msg}", line=e.lineno) from None


def load_record(path: str | PathLike) -> ResultRecord:
    return ResultRecord.from_dict(_read_json(path), path)


def load_records(directory: str | PathLike) -> list[ResultRecord]:
    """All records under ``directory`` (``*.json`` found recursively), sorted by path.

    A JSON file counts as a record when it is an object with "model", "task" and "metrics";
    other JSON files (configs, raw metric dumps, mmengine's JSON-lines logs) are skipped. A
    record with a bad field, or a ``results*.json`` that is not valid JSON, is an error
    (DataFormatError), not skipped.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise DataFormatError(directory, "expected a folder of results records")
    records = []
    for p in sorted(directory.rglob("*.json")):
        try:
            d = _read_json(p)
        except DataFormatError:
            if p.name.startswith("results"):
                raise
            continue
        if isinstance(d, dict) and {"model", "task", "metrics"} <= d.keys():
            records.append(ResultRecord.from_dict(d, p))
    return records
