"""Pascal VOC annotations, split files and the conversion to COCO json."""

import pytest

from common.coco import coco_from_dict
from common.errors import DataFormatError
from common.voc import (
    VOC_CLASSES,
    VocAnnotation,
    VocObject,
    read_annotation,
    read_image_set,
    voc_bbox_to_coco,
    voc_to_coco,
    write_annotation,
    write_image_set,
)

# The first VOC2007 image: a dog and a person.
ANN = VocAnnotation("000001.jpg", 353, 500, [
    VocObject("dog", (48, 240, 195, 371), difficult=False, truncated=True),
    VocObject("person", (8, 12, 352, 498), difficult=True, truncated=False),
])

GOOD_XML = """<annotation>
  <filename>000005.jpg</filename>
  <size><width>500</width><height>375</height><depth>3</depth></size>
  <object>
    <name>chair</name>
    <difficult>0</difficult>
    <bndbox><xmin>263</xmin><ymin>211</ymin><xmax>324</xmax><ymax>339</ymax></bndbox>
  </object>
</annotation>
"""


def test_classes_official_order():
    assert len(VOC_CLASSES) == 20
    assert VOC_CLASSES[0] == "aeroplane" and VOC_CLASSES[14] == "person"
    assert VOC_CLASSES[-1] == "tvmonitor"


def test_annotation_round_trip(tmp_path):
    write_annotation(tmp_path / "a.xml", ANN)
    back = read_annotation(tmp_path / "a.xml")
    assert back == ANN
    assert back.objects[1].difficult is True and back.objects[0].truncated is True
    assert "<difficult>1</difficult>" in (tmp_path / "a.xml").read_text()


def test_minimal_official_style_xml(tmp_path):
    (tmp_path / "b.xml").write_text(GOOD_XML)
    ann = read_annotation(tmp_path / "b.xml")
    assert (ann.filename, ann.width, ann.height) == ("000005.jpg", 500, 375)
    assert ann.objects == [VocObject("chair", (263.0, 211.0, 324.0, 339.0), False, False)]


@pytest.mark.parametrize("old, new, expected", [
    ("<name>chair</name>", "<name>stool</name>", r"b\.xml:5: expected a class name in \("),
    ("<xmin>263</xmin>", "<xmin>abc</xmin>", r"b\.xml:7: expected a number in <xmin>, got 'abc'"),
    ("<ymax>339</ymax>", "", r"b\.xml:7: expected a <ymax> element in <bndbox>"),
    ("<size><width>500</width>", "<size>", r"b\.xml:3: expected a <width> element in <size>"),
    ("</object>", "", r"b\.xml:9: expected well-formed XML, got: mismatched tag"),
])
def test_bad_xml_messages(tmp_path, old, new, expected):
    (tmp_path / "b.xml").write_text(GOOD_XML.replace(old, new))
    with pytest.raises(DataFormatError, match=expected):
        read_annotation(tmp_path / "b.xml")


def test_image_sets(tmp_path):
    write_image_set(tmp_path, "VOC2007", "test", ["000001", "000005"])
    assert read_image_set(tmp_path, "VOC2007", "test") == ["000001", "000005"]
    assert read_image_set(tmp_path / "VOC2007", "VOC2007", "test") == ["000001", "000005"]
    (tmp_path / "VOC2007/ImageSets/Main/bad.txt").write_text("000001\n000002 1\n")
    with pytest.raises(DataFormatError, match=r"bad\.txt:2: expected one image id per line"):
        read_image_set(tmp_path, "VOC2007", "bad")
    with pytest.raises(DataFormatError, match=r"val\.txt: expected a VOC split file"):
        read_image_set(tmp_path, "VOC2007", "val")


def test_bbox_pixel_convention():
    assert voc_bbox_to_coco((1, 1, 1, 1)) == [0.0, 0.0, 1.0, 1.0]  # one pixel, 1-based
    assert voc_bbox_to_coco((48, 240, 195, 371)) == [47.0, 239.0, 148.0, 132.0]


def test_voc_to_coco(tmp_path):
    voc = tmp_path / "VOC2007"
    write_annotation(voc / "Annotations" / "000001.xml", ANN)
    (voc / "Annotations" / "000005.xml").write_text(GOOD_XML)
    write_image_set(tmp_path, "VOC2007", "test", ["000001", "000005"])
    data = voc_to_coco(tmp_path, [("VOC2007", "test")])
    assert [c["id"] for c in data["categories"]] == list(range(1, 21))
    assert [i["file_name"] for i in data["images"]] == ["VOC2007/JPEGImages/000001.jpg",
                                                        "VOC2007/JPEGImages/000005.jpg"]
    anns = data["annotations"]
    assert [(a["image_id"], a["category_id"], a["difficult"]) for a in anns] == [
        (1, 12, 0), (1, 15, 1), (2, 9, 0)]
    assert anns[0]["bbox"] == [47.0, 239.0, 148.0, 132.0] and anns[0]["area"] == 148 * 132
    assert all(a["iscrowd"] == 0 for a in anns)
    coco = coco_from_dict(data)  # pycocotools indexes it
    assert coco.getAnnIds(imgIds=[1]) == [1, 2]
    # a single VOC folder as root gives paths relative to it
    single = voc_to_coco(voc, [("VOC2007", "test")])
    assert single["images"][0]["file_name"] == "JPEGImages/000001.jpg"
    assert single["annotations"] == anns
