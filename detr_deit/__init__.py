"""DETR with a DeiT-tiny backbone as an MMDetection 3.x project.

Nothing here is imported by the configs but ``detr_deit.hooks`` (through ``custom_imports``):
the model is assembled from registered MMDetection/mmpretrain modules by the config alone.
Entry points: ``python -m detr_deit.prepare``, ``python -m detr_deit.train``,
``python -m detr_deit.test``, ``python -m detr_deit.reproduce`` and the tools in
``detr_deit/tools``. ``CONFIG_DIR``: the configs, which the commands also find by name.
"""

from pathlib import Path

CONFIG_DIR = Path(__file__).resolve().parent / "configs"
