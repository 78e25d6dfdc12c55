"""Pascal VOC detection: Annotations XML, ImageSets/Main split files, conversion to COCO json.

Layout (VOCdevkit style)::

    ROOT/VOC2007/{JPEGImages/ID.jpg, Annotations/ID.xml, ImageSets/Main/{train,val,test}.txt}

``ROOT`` may also be a single ``VOCxxxx`` folder. Boxes are VOC's 1-based, inclusive pixel indices
(``xmin=1`` is the first pixel column), kept as written in the XML.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from xml.parsers import expat

from common.errors import DataFormatError
from common.io import atomic_write_text, read_id_list

# Official order of the VOC devkit (VOCinit.m), category ids 1..20 in COCO json.
VOC_CLASSES = (
    "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
    "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train",
    "tvmonitor",
)


@dataclass
class VocObject:
    """One object: ``bbox`` (xmin, ymin, xmax, ymax) in VOC's 1-based inclusive pixels."""

    name: str
    bbox: tuple[float, float, float, float]
    difficult: bool = False
    truncated: bool = False


@dataclass
class VocAnnotation:
    filename: str
    width: int
    height: int
    objects: list[VocObject] = field(default_factory=list)


def _parse_with_lines(path: Path) -> tuple[ET.Element, dict[ET.Element, int]]:
    """Parse XML with expat, recording each element's line for error messages."""
    builder = ET.TreeBuilder()
    lines: dict[ET.Element, int] = {}
    parser = expat.ParserCreate()

    def start(tag, attrs):
        lines[builder.start(tag, attrs)] = parser.CurrentLineNumber

    parser.StartElementHandler = start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    try:
        with open(path, "rb") as f:
            parser.ParseFile(f)
    except FileNotFoundError:
        raise DataFormatError(
            path, "expected a VOC annotation XML file, found no such file") from None
    except expat.ExpatError as e:
        raise DataFormatError(path, f"expected well-formed XML, got: {expat.ErrorString(e.code)}",
                              e.lineno) from None
    return builder.close(), lines


def read_annotation(xml_path: str | PathLike,
                    classes: tuple[str, ...] = VOC_CLASSES) -> VocAnnotation:
    """Read one Annotations XML; DataFormatError naming the file, line and what was expected."""
    path = Path(xml_path)
    root, lines = _parse_with_lines(path)

    def text(parent: ET.Element, tag: str, number: bool = False, required: bool = True):
        el = parent.find(tag)
        if el is None or el.text is None or not el.text.strip():
            if not required:
                return None
            raise DataFormatError(path, f"expected a <{tag}> element in <{parent.tag}>",
                                  lines.get(parent))
        value = el.text.strip()
        if number:
            try:
                return float(value)
            except ValueError:
                raise DataFormatError(path, f"expected a number in <{tag}>, got {value!r}",
                                      lines.get(el)) from None
        return value

    if root.tag != "annotation":
        raise DataFormatError(path, f"expected an <annotation> root element, got <{root.tag}>",
                              lines.get(root))
    size = root.find("size")
    if size is None:
        raise DataFormatError(path, "expected a <size> element in <annotation>", lines.get(root))
    ann = VocAnnotation(filename=text(root, "filename"), width=int(text(size, "width", True)),
                        height=int(text(size, "height", True)))
    for obj in root.findall("object"):
        name = text(obj, "name")
        if name not in classes:
            raise DataFormatError(path, f"expected a class name in {classes}, got {name!r}",
                                  lines.get(obj.find("name")))
        box = obj.find("bndbox")
        if box is None:
            raise DataFormatError(path, "expected a <bndbox> element in <object>", lines.get(obj))
        bbox = tuple(text(box, k, True) for k in ("xmin", "ymin", "xmax", "ymax"))
        ann.objects.append(VocObject(
            name=name, bbox=bbox,
            difficult=bool(int(text(obj, "difficult", True, required=False) or 0)),
            truncated=bool(int(text(obj, "truncated", True, required=False) or 0))))
    return ann


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.2f}"


def write_annotation(xml_path: str | PathLike, ann: VocAnnotation, folder: str = "VOC2007") -> None:
    """Write an Annotations XML in the VOC layout, atomically."""
    root = ET.Element("annotation")
    ET.SubElement(root, "folder").text = folder
    ET.SubElement(root, "filename").text = ann.filename
    size = ET.SubElement(root, "size")
    for tag, v in (("width", ann.width), ("height", ann.height), ("depth", 3)):
        ET.SubElement(size, tag).text = str(int(v))
    ET.SubElement(root, "segmented").text = "0"
    for o in ann.objects:
        obj = ET.SubElement(root, "object")
        ET.SubElement(obj, "name").text = o.name
        ET.SubElement(obj, "pose").text = "Unspecified"
        ET.SubElement(obj, "truncated").text = str(int(o.truncated))
        ET.SubElement(obj, "difficult").text = str(int(o.difficult))
        box = ET.SubElement(obj, "bndbox")
        for tag, v in zip(("xmin", "ymin", "xmax", "ymax"), o.bbox, strict=True):
            ET.SubElement(box, tag).text = _num(v)
    ET.indent(root, space="\t")
    atomic_write_text(xml_path, ET.tostring(root, encoding="unicode") + "\n")


def year_root(root: str | PathLike, year_dir: str) -> Path:
    """``ROOT/year_dir`` for a VOCdevkit root, or ``ROOT`` itself when it is that VOC folder."""
    root = Path(root)
    if (root / year_dir).is_dir():
        return root / year_dir
    if root.name == year_dir or (root / "Annotations").is_dir():
        return root
    raise DataFormatError(root, f"expected a VOC folder {year_dir}/ (or Annotations/) in it")


def read_image_set(root: str | PathLike, year_dir: str, split: str) -> list[str]:
    """Image ids of ``ImageSets/Main/{split}.txt``."""
    return read_id_list(year_root(root, year_dir) / "ImageSets" / "Main" / f"{split}.txt",
                        "a VOC split file of image ids", "one image id per line",
                        lambda s: len(s.split()) == 1)


def write_image_set(root: str | PathLike, year_dir: str, split: str, ids: list[str]) -> None:
    """Write ``ROOT/year_dir/ImageSets/Main/{split}.txt`` atomically."""
    atomic_write_text(Path(root) / year_dir / "ImageSets" / "Main" / f"{split}.txt",
                      "".join(f"{i}\n" for i in ids))


def voc_bbox_to_coco(bbox) -> list[float]:
    """VOC (xmin, ymin, xmax, ymax), 1-based inclusive pixels -> COCO [x, y, w, h], 0-based.

    Pixel i (1-based) covers the continuous interval [i-1, i), so x = xmin - 1 and
    w = xmax - xmin + 1 (a one-pixel box has width 1), as in the VOC devkit's area (+1).
    """
    x1, y1, x2, y2 = (float(v) for v in bbox)
    return [x1 - 1.0, y1 - 1.0, x2 - x1 + 1.0, y2 - y1 + 1.0]


def voc_to_coco(root: str | PathLike, splits=(("VOC2007", "test"),)) -> dict:
    """COCO-format dict of the given (year_dir, split) pairs.

    Images get ids 1..N in split order, ``file_name`` relative to ``root``; categories are
    VOC_CLASSES with ids 1..20; each annotation keeps ``difficult`` (0/1) and ``iscrowd=0``.
    Boxes follow :func:`voc_bbox_to_coco`.
    """
    root = Path(root)
    images, annotations = [], []
    cat_ids = {name: i for i, name in enumerate(VOC_CLASSES, 1)}
    for year_dir, split in splits:
        base = year_root(root, year_dir)
        for voc_id in read_image_set(root, year_dir, split):
            ann = read_annotation(base / "Annotations" / f"{voc_id}.xml")
            image_id = len(images) + 1
            images.append({
                "id": image_id, "file_name": str((base / "JPEGImages" / ann.filename)
                                                 .relative_to(root)),
                "width": ann.width, "height": ann.height, "voc_id": voc_id, "voc_set": year_dir,
            })
            for o in ann.objects:
                x, y, w, h = voc_bbox_to_coco(o.bbox)
                annotations.append({
                    "id": len(annotations) + 1, "image_id": image_id,
                    "category_id": cat_ids[o.name], "bbox": [x, y, w, h], "area": w * h,
                    "iscrowd": 0, "difficult": int(o.difficult), "truncated": int(o.truncated),
                })
    return {
        "images": images, "annotations": annotations,
        "categories": [{"id": i, "name": n, "supercategory": "none"} for n, i in cat_ids.items()],
    }
