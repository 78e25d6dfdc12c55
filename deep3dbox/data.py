"""Training crops from KITTI labels: filtering, class mean dimensions, flip, a Keras PyDataset.

Each labelled object of the chosen classes (after truncation/occlusion filters) is one sample:
the 2D box crop of image_2 resized to (S, S) (stretched, or letterboxed: :mod:`deep3dbox.crop`)
and its targets
  dimensions  (3,)        h, w, l minus the class mean, in metres or class stds
                          (:mod:`deep3dbox.dimensions`; both from the training split),
  orientation (bins, 2)   MultiBin residual (cos, sin) targets of alpha,
  confidence  (bins,)     MultiBin confidence target.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

import keras
import numpy as np

from common.errors import DataFormatError
from common.kitti import KittiFrameSet
from common.kitti.geometry import wrap_angle
from deep3dbox import dimensions, multibin
from deep3dbox.crop import crop_resize

TRAIN_CLASSES = ("Car", "Van", "Truck", "Pedestrian", "Cyclist")


@dataclass(frozen=True)
class Crop:
    """One object: frame id, 2D box (4,), class, dimensions hwl (3,), alpha."""

    frame_id: str
    bbox: tuple[float, float, float, float]
    cls: str
    dimensions: tuple[float, float, float]
    alpha: float


def collect_crops(frames: KittiFrameSet, classes=TRAIN_CLASSES, max_truncation: float = 0.15,
                  max_occlusion: int = 1, min_height: float = 10.0) -> list[Crop]:
    """Labelled objects of ``classes`` within the truncation, occlusion and height limits."""
    crops = []
    for fid in frames.ids:
        for o in frames.label(fid):
            if (o.type in classes and o.truncated <= max_truncation
                    and o.occluded <= max_occlusion and o.bbox[3] - o.bbox[1] >= min_height):
                crops.append(Crop(fid, tuple(map(float, o.bbox)), o.type,
                                  tuple(map(float, o.dimensions)), float(o.alpha)))
    return crops


def flip_alpha(alpha):
    """Observation angle of the horizontally mirrored object: pi - alpha, wrapped to [-pi, pi)."""
    return wrap_angle(np.pi - np.asarray(alpha, dtype=np.float64))


def preprocess(crops: np.ndarray) -> np.ndarray:
    """(B, S, S, 3) uint8 RGB -> float32 VGG16 input (BGR, ImageNet mean subtracted)."""
    return keras.applications.vgg16.preprocess_input(crops.astype(np.float32))


def encode_targets(crops: list[Crop], means: dict, num_bins: int, overlap: float,
                   flipped: np.ndarray | None = None,
                   scales: dict | None = None) -> dict[str, np.ndarray]:
    """Targets for a list of crops (alpha flipped where ``flipped``); ``scales``: the class stds
    of normalised dimension targets, None for metres."""
    alpha = np.array([c.alpha for c in crops])
    if flipped is not None:
        alpha = np.where(flipped, flip_alpha(alpha), alpha)
    conf, residual = multibin.encode(alpha, num_bins, overlap)
    dims = dimensions.encode([c.dimensions for c in crops], [means[c.cls] for c in crops],
                             None if scales is None else [scales[c.cls] for c in crops])
    return {"dimensions": dims.astype(np.float32).reshape(-1, 3), "orientation": residual,
            "confidence": conf}


class CropDataset(keras.utils.PyDataset):
    """Batches (x (B, S, S, 3) float32, targets dict) of crops; images read per batch.

    ``augment`` flips half the crops (image mirrored, alpha -> pi - alpha) and, with ``jitter``,
    moves each box side by up to ``jitter`` x the box size (a detector's imprecise boxes); with
    ``jitter_graded`` each crop first draws its own bound, uniform in [0, ``jitter``], so near-exact
    boxes are seen as often as coarse ones.
    ``scales`` (class stds) makes the dimension targets normalised (None: metres).
    ``crop_mode``: a :data:`deep3dbox.crop.CROP_MODES` name. ``cache`` keeps every decoded
    image in memory (small datasets only). An unreadable image is reported once on stderr,
    recorded in ``bad`` and its crops skipped; the batch is filled from the following crops so an
    epoch never stops on a bad file. A short last batch is padded to ``min_batch`` samples by
    repeating some of its own: under MirroredStrategy every replica needs at least one (with
    ``--devices N``, ``min_batch`` is N).
    """

    def __init__(self, frames: KittiFrameSet, crops: list[Crop], means: dict, batch_size: int = 8,
                 input_size: int = 224, num_bins: int = 2, overlap: float = 0.1,
                 augment: bool = False, shuffle: bool = False, seed: int = 0, cache: bool = False,
                 jitter: float = 0.0, min_batch: int = 1, scales: dict | None = None,
                 crop_mode: str = "stretch", jitter_graded: bool = False, **kwargs):
        super().__init__(**kwargs)
        if not crops:
            raise DataFormatError(frames.root, "expected labelled objects of the chosen classes, "
                                  "found none")
        self.frames, self.crops, self.means, self.scales = frames, crops, means, scales
        self.batch_size, self.input_size = batch_size, input_size
        self.num_bins, self.overlap = num_bins, overlap
        self.augment, self.shuffle = augment, shuffle
        self.rng = np.random.default_rng(seed)
        self.order = self.rng.permutation(len(crops)) if shuffle else np.arange(len(crops))
        self.bad: dict[str, str] = {}
        self.jitter, self.min_batch, self.crop_mode = jitter, min_batch, crop_mode
        self.jitter_graded = jitter_graded
        self.cache: dict[str, np.ndarray] | None = {} if cache else None

    def __len__(self) -> int:
        return math.ceil(len(self.crops) / self.batch_size)

    def _image(self, frame_id: str) -> np.ndarray | None:
        path = str(self.frames.image_path(frame_id))
        if path in self.bad:
            return None
        if self.cache is not None and frame_id in self.cache:
            return self.cache[frame_id]
        try:
            image = self.frames.image(frame_id)
            if self.cache is not None:
                self.cache[frame_id] = image
            return image
        except DataFormatError as e:
            self.bad[path] = str(e)
            print(f"warning: skipping crops of unreadable image: {e}", file=sys.stderr)
            return None

    def _crop(self, index: int) -> np.ndarray | None:
        """(S, S, 3) uint8 crop of sample ``index``, None if its image is unreadable."""
        crop = self.crops[index]
        image = self._image(crop.frame_id)
        if image is None:
            return None
        box = np.asarray(crop.bbox)
        if self.augment and self.jitter > 0:
            size = np.tile(box[2:] - box[:2], 2)
            bound = self.jitter * self.rng.uniform() if self.jitter_graded else self.jitter
            box = box + self.rng.uniform(-bound, bound, 4) * size
        return crop_resize(image, box, self.input_size, self.crop_mode)

    def __getitem__(self, idx: int):
        want = min(self.batch_size, len(self.crops) - idx * self.batch_size)
        images, chosen, pos = [], [], idx * self.batch_size
        while len(chosen) < want and pos < idx * self.batch_size + len(self.crops):
            index = int(self.order[pos % len(self.crops)])
            pos += 1
            patch = self._crop(index)
            if patch is not None:
                images.append(patch)
                chosen.append(self.crops[index])
        if not chosen:
            raise DataFormatError(self.frames.root, "expected readable images, none could be read")
        for i in range(self.min_batch - len(chosen)):  # repeats cyclically
            images.append(images[i])
            chosen.append(chosen[i])
        x = np.stack(images)
        flipped = np.zeros(len(chosen), bool)
        if self.augment:
            flipped = self.rng.random(len(chosen)) < 0.5
        x[flipped] = x[flipped, :, ::-1]
        y = encode_targets(chosen, self.means, self.num_bins, self.overlap, flipped, self.scales)
        return preprocess(x), y

    def on_epoch_end(self) -> None:
        if self.shuffle:
            self.order = self.rng.permutation(len(self.crops))
