"""Pre-flight checks of the COCO json datasets a config reads, before anything is built.

- Annotations whose category is not one of the config's classes: MMDetection's CocoDataset maps
  only the categories named in ``metainfo.classes`` and leaves the others out without a word.
  We count them and say so, one line per annotation file.
- Image files that are missing, or that the pipeline's decoder cannot read: mmcv.imfrombytes
  returns None for a truncated PNG or JPEG, and LoadImageFromFile then fails an assertion inside
  the data loader. We raise DataFormatError naming the file instead. Cheap: only the first and
  last bytes of each image are read (a complete PNG ends with its IEND chunk, a complete JPEG
  with the EOI marker); an image that does not end so is decoded with mmcv as the pipeline
  would, and only one that fails to decode is an error.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from common.errors import DataFormatError
from common.io import read_json
from detr_deit.checks import dataset_classes, leaf_datasets

PNG = b"\x89PNG\r\n\x1a\n"
JPEG = b"\xff\xd8"


def coco_datasets(cfg, splits: Iterable[str]) -> Iterator[tuple[dict, Path, Path]]:
    """(dataset config, annotation file, image folder) of each annotation file the splits read,
    once each; paths as mmengine's BaseDataset joins them with ``data_root``."""
    seen = set()
    for split in splits:
        loader = cfg.get(f"{split}_dataloader")
        if not loader:
            continue
        for ds in leaf_datasets(loader["dataset"]):
            if not ds.get("ann_file"):
                continue
            root = Path(ds.get("data_root") or "")
            ann = root / ds["ann_file"]
            if ann not in seen:
                seen.add(ann)
                yield ds, ann, root / ((ds.get("data_prefix") or {}).get("img") or "")


def unknown_categories(data: dict, classes: Iterable[str]) -> Counter:
    """category id -> number of annotations whose category is not one of ``classes`` (matched
    by name, as CocoDataset does)."""
    keep = {c.get("id") for c in data.get("categories", []) if c.get("name") in set(classes)}
    return Counter(a.get("category_id") for a in data.get("annotations", [])
                   if a.get("category_id") not in keep)


def unknown_category_note(path: Path, data: dict, classes: Iterable[str]) -> str | None:
    """The one-line note about annotations left out, or None when there are none."""
    counts = unknown_categories(data, classes)
    if not counts:
        return None
    names = {c.get("id"): c.get("name") for c in data.get("categories", [])}
    ids = sorted(counts, key=lambda i: (not isinstance(i, int), i if isinstance(i, int) else 0,
                                        str(i)))
    named = ", ".join(f"{i} ({names[i]})" if i in names else str(i) for i in ids)
    return (f"note: {path}: {sum(counts.values())} annotations of category ids [{named}] not in "
            "the config's classes are left out")


def image_ends_complete(path: Path) -> bool:
    """Whether a PNG/JPEG file ends as a complete one (other formats: not judged, True)."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(8)
        f.seek(max(0, size - 64))
        tail = f.read()
    if head.startswith(PNG):
        return b"IEND" in tail
    if head.startswith(JPEG):
        return tail.rstrip(b"\x00\n\r ").endswith(b"\xff\xd9")
    return size > 0


def check_image(path: Path, ann: Path) -> None:
    """DataFormatError unless ``path`` exists and LoadImageFromFile's decoder can read it."""
    if not path.is_file():
        raise DataFormatError(path, f"expected an image file (listed in {ann}), found no such file")
    if image_ends_complete(path):
        return
    import mmcv

    try:
        image = mmcv.imfrombytes(path.read_bytes(), flag="color", backend="cv2")
    except Exception:  # noqa: BLE001  (whatever the decoder raises, the file is unreadable)
        image = None
    if image is None:
        raise DataFormatError(path, f"expected a readable image (listed in {ann}), got a "
                                    "truncated or damaged file that mmcv cannot decode")


def check_datasets(cfg, splits: Iterable[str], report=print) -> None:
    """Check every image of the splits' COCO datasets (DataFormatError at the first bad one) and
    ``report`` the annotations of categories outside the config's classes."""
    for ds, ann, images in coco_datasets(cfg, splits):
        data = read_json(ann, "a COCO annotation file")
        note = unknown_category_note(ann, data, dataset_classes(ds)[0])
        if note:
            report(note)
        for info in data.get("images", []):
            check_image(images / info["file_name"], ann)
