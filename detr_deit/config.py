"""Reading a detr_deit config the way MMDetection's tools do, plus our start-up checks."""

from __future__ import annotations

from pathlib import Path

from mmengine.config import Config

REPO = Path(__file__).resolve().parent.parent
CONFIG_DIR = Path(__file__).resolve().parent / "configs"


def load_config(path: str | Path, cfg_options: dict | None = None,
                work_dir: str | Path | None = None) -> Config:
    """Config from ``path`` (``--cfg-options`` merged in), with ``work_dir`` set.

    The work dir defaults to ``work_dirs/<config name>`` like MMDetection's tools.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"config {path} does not exist")
    cfg = Config.fromfile(str(path))
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if work_dir is not None:
        cfg.work_dir = str(work_dir)
    elif cfg.get("work_dir") is None:
        cfg.work_dir = str(Path("work_dirs") / path.stem)
    return cfg
