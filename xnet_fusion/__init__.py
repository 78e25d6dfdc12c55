"""X-Net: explainable LiDAR + camera 3D detection as an MMDetection3D 1.x project.

Importing the package installs the spconv CPU guard and registers the detector, the fusion
stages and the KITTI metric in mmdet3d's registries.
"""

from . import spconv_cpu  # noqa: F401  (must precede any spconv backward)
from . import evaluation, hooks, models  # noqa: F401
