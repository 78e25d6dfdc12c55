"""Loading an X-Net config for the command-line tools: short names, data root, work dir."""

from __future__ import annotations

from pathlib import Path

from mmengine.config import Config, ConfigDict

from common.errors import DataFormatError

CONFIG_DIR = Path(__file__).parent / 'configs'


def config_path(name: str | Path) -> Path:
    """A config file path, or a short name under xnet_fusion/configs ('synth/exp01')."""
    path = Path(name)
    if path.is_file():
        return path
    short = CONFIG_DIR / (str(name) if str(name).endswith('.py') else f'{name}.py')
    if short.is_file():
        return short
    raise FileNotFoundError(f'{name}: no such config (nor {short})')


def _replace_prefix(obj, old: str, new: str):
    if isinstance(obj, dict):
        return type(obj)({k: _replace_prefix(v, old, new) for k, v in obj.items()})
    if isinstance(obj, list | tuple):
        return type(obj)(_replace_prefix(v, old, new) for v in obj)
    if isinstance(obj, str) and obj.startswith(old):
        return new + obj[len(old):]
    return obj


def set_data_root(cfg: Config, data_root: str | Path) -> None:
    """Point every path of the config that starts with its ``data_root`` at ``data_root``."""
    old = cfg.get('data_root')
    if not old:
        raise ValueError('the config has no data_root')
    new = str(Path(data_root)) + '/'
    for key in list(cfg.keys()):
        if key != 'data_root':
            cfg[key] = _replace_prefix(cfg[key], old, new)
    cfg.data_root = new


def load_config(name: str | Path, data_root: str | Path | None = None,
                work_dir: str | Path | None = None, options: dict | None = None) -> Config:
    """Config with data root, work dir (default work_dirs/<name>) and extra options applied."""
    path = config_path(name)
    cfg = Config.fromfile(str(path))
    if options:
        cfg.merge_from_dict(options)
    if data_root is not None:
        if not (Path(data_root) / 'training').is_dir():
            raise DataFormatError(data_root, 'expected a KITTI root with training/')
        set_data_root(cfg, data_root)
    rel = path.relative_to(CONFIG_DIR).with_suffix('') if path.is_relative_to(CONFIG_DIR) \
        else Path(path.stem)
    cfg.work_dir = str(work_dir) if work_dir else str(Path('work_dirs') / rel)
    return cfg


def class_head(cfg):
    """Where the config's class count shows in a checkpoint (common.openmmlab.ClassHead):
    Anchor3DHead's ``conv_cls`` has (rotations x sizes) anchors per cell, each with num_classes
    sigmoid scores (num_classes + 1 with a softmax loss), as mmdet3d's Anchor3DRangeGenerator
    counts them."""
    from common.openmmlab import ClassHead
    head = cfg.model.pts_bbox_head
    gen = head.anchor_generator
    sizes = gen.get('sizes', [[3.9, 1.6, 1.56]])
    n_sizes = len(sizes) if sizes and isinstance(sizes[0], list | tuple) else 1
    anchors = len(gen.get('rotations', [0, 1.5707963])) * n_sizes
    sigmoid = bool((head.get('loss_cls') or {}).get('use_sigmoid', False))
    return ClassHead('pts_bbox_head.conv_cls.weight', head.num_classes, anchors=anchors,
                     background=0 if sigmoid else 1, source='model.pts_bbox_head.num_classes')


def to_plain(cfg_dict) -> dict:
    """ConfigDict -> dict (for building single modules outside a Runner)."""
    return cfg_dict.to_dict() if isinstance(cfg_dict, ConfigDict) else dict(cfg_dict)
