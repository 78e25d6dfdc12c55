"""ScanNet frames-25k: per-frame colour, depth, instance and label images of indoor scenes.

Layout::

    ROOT/sceneXXXX_XX/{color/N.jpg, depth/N.png, instance/N.png, label/N.png, pose/N.txt,
                       intrinsics_color.txt}
    ROOT/splits/{train,val}.txt          scene names, one per line

Encodings: depth 16-bit PNG in millimetres (ScanNet's depth shift 1000); label PNG the NYU40 class
id per pixel (0 = unannotated); instance 16-bit PNG ``nyu40_label * 1000 + instance`` (instance
ids from 1; 0 = no instance); pose a 4x4 camera-to-world matrix; intrinsics_color a 4x4 matrix.
"""

from __future__ import annotations

from dataclasses import dataclass
from os import PathLike
from pathlib import Path

import numpy as np
from pycocotools import mask as mask_utils

from common.errors import DataFormatError
from common.io import atomic_save, atomic_write_text, read_id_list, read_image

# ScanNet benchmark (ScanNet/BenchmarkScripts util_3d / evaluate_semantic_label.py): the 20 classes
# and their NYU40 ids.
SCANNET20_CLASSES = (
    "wall", "floor", "cabinet", "bed", "chair", "sofa", "table", "door", "window", "bookshelf",
    "picture", "counter", "desk", "curtain", "refrigerator", "shower curtain", "toilet", "sink",
    "bathtub", "otherfurniture",
)
SCANNET20_NYU40_IDS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 16, 24, 28, 33, 34, 36, 39)
NYU40_TO_SCANNET20 = {nyu: i for i, nyu in enumerate(SCANNET20_NYU40_IDS)}
# The instance benchmark's 18 object classes: the 20 without wall and floor.
SCANNET18_INSTANCE_CLASSES = SCANNET20_CLASSES[2:]

DEPTH_SHIFT = 1000.0
INSTANCE_DIVISOR = 1000


def map_nyu40(labels: np.ndarray) -> np.ndarray:
    """NYU40 ids (any shape) -> ScanNet-20 indices 0..19, -1 for the other classes and 0."""
    lut = np.full(41, -1, dtype=np.int64)
    for nyu, idx in NYU40_TO_SCANNET20.items():
        lut[nyu] = idx
    labels = np.asarray(labels, dtype=np.int64)
    return np.where((labels >= 0) & (labels <= 40), lut[np.clip(labels, 0, 40)], -1)


def encode_instance(nyu40_label: np.ndarray, instance: np.ndarray) -> np.ndarray:
    """(H, W) NYU40 ids and instance ids -> (H, W) uint16 ``nyu40 * 1000 + instance``."""
    return (np.asarray(nyu40_label, np.int64) * INSTANCE_DIVISOR
            + np.asarray(instance, np.int64)).astype(np.uint16)


def decode_instance_png(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(H, W) encoded instance image -> (nyu40_label, instance), both (H, W) int64."""
    arr = np.asarray(arr, dtype=np.int64)
    return arr // INSTANCE_DIVISOR, arr % INSTANCE_DIVISOR


@dataclass
class ScanNetFrame:
    """One frame: color (H, W, 3) uint8, depth (H', W') float32 metres (0 = no reading),
    nyu40_label / instance (H', W') int64 from the instance PNG, label (H', W') int64 NYU40 ids
    from the label PNG, pose (4, 4) camera-to-world, intrinsics (4, 4) of the colour camera."""

    color: np.ndarray
    depth: np.ndarray
    nyu40_label: np.ndarray
    instance: np.ndarray
    label: np.ndarray
    pose: np.ndarray
    intrinsics: np.ndarray


def read_png16(path: str | PathLike) -> np.ndarray:
    """A single-channel 8- or 16-bit PNG as an (H, W) int64 array; DataFormatError if not one."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            arr = np.asarray(im)
    except FileNotFoundError:
        raise DataFormatError(path, "expected a PNG file, found no such file") from None
    except (UnidentifiedImageError, OSError) as e:
        raise DataFormatError(path, f"expected a readable PNG, got: {e}") from None
    if arr.ndim != 2:
        raise DataFormatError(path, f"expected a single-channel PNG, got shape {arr.shape}")
    return arr.astype(np.int64)


def write_png16(path: str | PathLike, arr: np.ndarray) -> None:
    """Write an (H, W) array of values in [0, 65535] as a 16-bit PNG, atomically."""
    from PIL import Image

    arr = np.asarray(arr)
    if arr.min(initial=0) < 0 or arr.max(initial=0) > 65535:
        raise ValueError("expected values in [0, 65535] for a 16-bit PNG")
    atomic_save(path, lambda p: Image.fromarray(arr.astype(np.uint16)).save(p, format="PNG"))


def read_matrix4(path: str | PathLike) -> np.ndarray:
    """A text file of 16 numbers (4 lines of 4) as a (4, 4) float64 matrix."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataFormatError(path, "expected a 4x4 matrix text file, found no such file") from None
    values = []
    for lineno, line in enumerate(text.splitlines(), 1):
        for tok in line.split():
            try:
                values.append(float(tok))
            except ValueError:
                raise DataFormatError(path, f"expected a number, got {tok!r}", lineno) from None
    if len(values) != 16:
        raise DataFormatError(path, f"expected 16 numbers (a 4x4 matrix), got {len(values)}")
    return np.array(values).reshape(4, 4)


def write_matrix4(path: str | PathLike, m: np.ndarray) -> None:
    m = np.asarray(m, dtype=np.float64).reshape(4, 4)
    atomic_write_text(path, "".join(" ".join(f"{v:.6f}" for v in row) + "\n" for row in m))


def list_frames(scene_dir: str | PathLike) -> list[str]:
    """Frame ids (file stems of ``color/*.jpg``) in numeric order."""
    color = Path(scene_dir) / "color"
    if not color.is_dir():
        raise DataFormatError(color, "expected a ScanNet color/ folder, found none")
    stems = [p.stem for p in color.glob("*.jpg")]
    return sorted(stems, key=lambda s: (int(s) if s.isdigit() else -1, s))


def read_frame(scene_dir: str | PathLike, frame_id: str | int) -> ScanNetFrame:
    """Read every file of one frame (``frame_id`` is the file stem, e.g. "0" or "000100")."""
    d = Path(scene_dir)
    f = str(frame_id)
    nyu40, inst = decode_instance_png(read_png16(d / "instance" / f"{f}.png"))
    return ScanNetFrame(
        color=read_image(d / "color" / f"{f}.jpg"),
        depth=(read_png16(d / "depth" / f"{f}.png") / DEPTH_SHIFT).astype(np.float32),
        nyu40_label=nyu40, instance=inst,
        label=read_png16(d / "label" / f"{f}.png"),
        pose=read_matrix4(d / "pose" / f"{f}.txt"),
        intrinsics=read_matrix4(d / "intrinsics_color.txt"),
    )


def write_frame(scene_dir: str | PathLike, frame_id: str | int, color: np.ndarray,
                depth_m: np.ndarray, nyu40_label: np.ndarray, instance: np.ndarray,
                pose: np.ndarray) -> None:
    """Write one frame in the frames-25k encodings (label PNG = ``nyu40_label``), atomically.

    ``color`` (H, W, 3) uint8; ``depth_m`` (H, W) metres; ``nyu40_label``/``instance`` (H, W).
    The scene's ``intrinsics_color.txt`` is written separately with :func:`write_matrix4`.
    """
    from PIL import Image

    d, f = Path(scene_dir), str(frame_id)
    atomic_save(d / "color" / f"{f}.jpg",
                lambda p: Image.fromarray(np.asarray(color, np.uint8)).save(p, format="JPEG",
                                                                             quality=95))
    write_png16(d / "depth" / f"{f}.png", np.round(np.asarray(depth_m) * DEPTH_SHIFT))
    write_png16(d / "instance" / f"{f}.png", encode_instance(nyu40_label, instance))
    write_png16(d / "label" / f"{f}.png", nyu40_label)
    write_matrix4(d / "pose" / f"{f}.txt", pose)


def read_scene_split(root: str | PathLike, split: str) -> list[str]:
    """Scene names of ``ROOT/splits/{split}.txt``."""
    return read_id_list(Path(root) / "splits" / f"{split}.txt", "a split file of scene names",
                        "a scene name like scene0000_00",
                        lambda s: s.startswith("scene") and len(s.split()) == 1)


def instance_boxes(encoded: np.ndarray, classes: tuple[str, ...] = SCANNET20_CLASSES,
                   min_area: int = 100) -> list[dict]:
    """Objects of one encoded instance image (H, W).

    Each instance (value with instance id > 0 whose NYU40 class maps to one of ``classes``) with
    at least ``min_area`` pixels gives ``{"category": index in classes, "bbox": [x, y, w, h],
    "area": pixel count, "mask": (H, W) bool}``; the box encloses the mask's pixels with pixel j
    covering [j, j + 1), so a one-pixel mask has w = h = 1.
    """
    encoded = np.asarray(encoded, dtype=np.int64)
    name_of = {nyu: SCANNET20_CLASSES[i] for nyu, i in NYU40_TO_SCANNET20.items()}
    objects = []
    for value in np.unique(encoded):
        nyu, inst = divmod(int(value), INSTANCE_DIVISOR)
        if inst == 0 or name_of.get(nyu) not in classes:
            continue
        mask = encoded == value
        area = int(mask.sum())
        if area < min_area:
            continue
        ys, xs = np.nonzero(mask)
        x1, y1, x2, y2 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
        objects.append({"category": classes.index(name_of[nyu]),
                        "bbox": [float(x1), float(y1), float(x2 - x1), float(y2 - y1)],
                        "area": area, "mask": mask})
    return objects


def scannet_to_coco(root: str | PathLike, scenes, min_area: int = 100,
                    classes: tuple[str, ...] = SCANNET20_CLASSES, with_masks: bool = True) -> dict:
    """COCO-format dict of every frame of ``scenes`` (names, or a split name like "val").

    Boxes come from the instance masks (:func:`instance_boxes`; instances under ``min_area``
    pixels are dropped). Category ids are 1..len(classes) in ``classes`` order (pass
    ``SCANNET18_INSTANCE_CLASSES`` for the instance benchmark's objects without wall and floor).
    ``file_name`` is the colour image relative to ``root``; when the colour image is larger than
    the instance image, boxes are scaled to colour pixels (masks are not stored then).
    """
    from PIL import Image

    root = Path(root)
    if isinstance(scenes, str):
        scenes = read_scene_split(root, scenes)
    images, annotations = [], []
    nyu_of = dict(zip(SCANNET20_CLASSES, SCANNET20_NYU40_IDS, strict=True))
    for scene in scenes:
        for frame_id in list_frames(root / scene):
            color_path = root / scene / "color" / f"{frame_id}.jpg"
            try:
                with Image.open(color_path) as im:
                    width, height = im.size
            except OSError as e:
                raise DataFormatError(color_path, f"expected a readable JPEG, got: {e}") from None
            encoded = read_png16(root / scene / "instance" / f"{frame_id}.png")
            sx, sy = width / encoded.shape[1], height / encoded.shape[0]
            image_id = len(images) + 1
            images.append({"id": image_id, "file_name": f"{scene}/color/{frame_id}.jpg",
                           "width": width, "height": height, "scene": scene,
                           "frame_id": frame_id})
            for obj in instance_boxes(encoded, classes, min_area):
                x, y, w, h = obj["bbox"]
                ann = {"id": len(annotations) + 1, "image_id": image_id,
                       "category_id": obj["category"] + 1,
                       "bbox": [x * sx, y * sy, w * sx, h * sy], "area": obj["area"] * sx * sy,
                       "iscrowd": 0}
                if with_masks and sx == sy == 1:
                    rle = mask_utils.encode(np.asfortranarray(obj["mask"].astype(np.uint8)))
                    ann["segmentation"] = {"size": rle["size"], "counts": rle["counts"].decode()}
                annotations.append(ann)
    categories = [{"id": i, "name": n, "nyu40_id": nyu_of[n], "supercategory": "scannet"}
                  for i, n in enumerate(classes, 1)]
    return {"images": images, "annotations": annotations, "categories": categories}
