"""Synthetic datasets in the real on-disk layouts of KITTI, Pascal VOC and ScanNet.

    python -m common.synth {kitti,voc,scannet} OUT_DIR --num N --seed S

Every frame is drawn from its own random generator (seed, frame index), so a dataset is
byte-for-byte reproducible. A folder is only ever re-used for the same dataset, --num and seed
(``--overwrite`` replaces it). See ``generate.py``.
"""

from common.synth.generate import DATASETS, SynthError, generate

__all__ = ["DATASETS", "SynthError", "generate"]
