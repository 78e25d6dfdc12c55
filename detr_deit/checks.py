"""Start-up checks on a config, before anything is built.

The classic silent bug of MMDetection configs: the head's ``num_classes`` or one split's class
list disagrees with the others (often a split without ``metainfo``, which then falls back to the
dataset class's default class names, e.g. CocoDataset's 80 COCO classes, and matches nothing in
the annotation file). Training still runs; the numbers are just wrong. We fail instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path


class ClassListMismatch(ValueError):
    """The head's num_classes and a dataset split's class list disagree."""


def _num_classes(cfg: dict, path: str = "model") -> Iterator[tuple[str, int]]:
    """(dotted path, value) of every ``num_classes`` in a model config (RPN heads excluded)."""
    if isinstance(cfg, dict):
        for key, value in cfg.items():
            if key == "num_classes" and isinstance(value, int) and "rpn_head" not in path:
                yield f"{path}.num_classes", value
            else:
                yield from _num_classes(value, f"{path}.{key}")
    elif isinstance(cfg, list | tuple):
        for i, item in enumerate(cfg):
            yield from _num_classes(item, f"{path}[{i}]")


def leaf_datasets(ds: dict) -> Iterator[dict]:
    """The annotation-reading datasets inside wrappers (RepeatDataset, ConcatDataset, ...)."""
    if "datasets" in ds:
        for sub in ds["datasets"]:
            yield from leaf_datasets(sub)
    elif "dataset" in ds:
        yield from leaf_datasets(ds["dataset"])
    else:
        yield ds


def dataset_classes(ds: dict) -> tuple[tuple[str, ...], str]:
    """The class list a dataset config will use and where it comes from (for the message)."""
    classes = (ds.get("metainfo") or {}).get("classes")
    if classes is not None:
        if isinstance(classes, str):
            classes = (classes,)
        return tuple(classes), "from its metainfo"
    from mmdet.registry import DATASETS
    from mmengine.registry import init_default_scope

    init_default_scope("mmdet")
    dataset_type = DATASETS.get(ds["type"]) if isinstance(ds["type"], str) else ds["type"]
    default = tuple(dataset_type.METAINFO["classes"])
    return default, (
        f"{dataset_type.__name__}'s default class names, because its config gives no "
        "metainfo=dict(classes=...)")


def check_class_lists(cfg) -> None:
    """Raise ClassListMismatch (one sentence) unless every num_classes matches every split."""
    heads = list(_num_classes(cfg.get("model", {})))
    for split in ("train", "val", "test"):
        loader = cfg.get(f"{split}_dataloader")
        if not loader:
            continue
        for ds in leaf_datasets(loader["dataset"]):
            classes, source = dataset_classes(ds)
            for where, n in heads:
                if n != len(classes):
                    raise ClassListMismatch(
                        f"{where} is {n} but the {split} dataset has {len(classes)} classes "
                        f"({source}): give the same class list to every split and set "
                        f"num_classes to its length")


def class_head(cfg):
    """Where the config's class count shows in a checkpoint (common.openmmlab.ClassHead):
    DETRHead's ``fc_cls`` has num_classes + 1 rows (the "no object" class) with its softmax
    loss, num_classes with a sigmoid one."""
    from common.openmmlab import ClassHead

    head = cfg.model.bbox_head
    sigmoid = bool((head.get("loss_cls") or {}).get("use_sigmoid", False))
    return ClassHead("bbox_head.fc_cls.weight", head.num_classes, background=0 if sigmoid else 1,
                     source="model.bbox_head.num_classes")


def check_local_checkpoints(cfg) -> None:
    """FileNotFoundError (one sentence) for a local ``Pretrained`` checkpoint that is missing."""
    def walk(node, path):
        if isinstance(node, dict):
            init = node.get("init_cfg")
            if isinstance(init, dict) and init.get("type") == "Pretrained":
                ckpt = str(init.get("checkpoint", ""))
                if "://" not in ckpt and not Path(ckpt).is_file():
                    raise FileNotFoundError(
                        f"{path}.init_cfg.checkpoint {ckpt!r} does not exist: convert the "
                        "official weights with `python -m detr_deit.tools.convert_deit` (DeiT) "
                        "or pass --cfg-options "
                        f"{path}.init_cfg.checkpoint=PATH (or {path}.init_cfg=None to start "
                        "from random weights)")
            for key, value in node.items():
                walk(value, f"{path}.{key}")

    walk(cfg.get("model", {}), "model")
