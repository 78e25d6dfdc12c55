"""X-Net: explainable LiDAR + camera 3D detection as an MMDetection3D 1.x project.

Importing the package installs the spconv CPU guard and registers the detector, the fusion
stages, the KITTI metric and the bfloat16 optimizer wrapper in mmdet3d's registries.
``CONFIG_DIR``: the configs, which the commands find by name (``synth/base``).
"""

from pathlib import Path

from . import (  # noqa: F401
    amp,
    evaluation,
    models,
    spconv_cpu,  # noqa: F401  (must precede any spconv backward)
)

CONFIG_DIR = Path(__file__).resolve().parent / 'configs'
