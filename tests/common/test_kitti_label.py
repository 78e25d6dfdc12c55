"""KITTI label_2 files: round trip, arrays, and the message of every malformed line."""

import numpy as np
import pytest

from common.errors import DataFormatError
from common.kitti import KittiObject, objects_to_arrays, read_label, write_label

PED = "Pedestrian 0.00 0 -0.20 712.40 143.00 810.73 307.92 1.89 0.48 1.20 1.84 1.47 8.41 0.01"


def _car(score=None):
    return KittiObject("Car", 0.5, 2, 1.57, [1, 2, 30.25, 40.5], [1.5, 1.6, 3.9],
                       [-3.2, 1.7, 20.1], -1.62, score)


def test_round_trip_with_and_without_score(tmp_path):
    objs = [_car(), _car(0.87654)]
    write_label(tmp_path / "a.txt", objs)
    lines = (tmp_path / "a.txt").read_text().splitlines()
    assert lines[0] == "Car 0.50 2 1.57 1.00 2.00 30.25 40.50 1.50 1.60 3.90 -3.20 1.70 20.10 -1.62"
    assert lines[1].endswith(" -1.62 0.8765")
    back = read_label(tmp_path / "a.txt")
    assert [o.type for o in back] == ["Car", "Car"]
    assert back[0].score is None and back[1].score == pytest.approx(0.8765)
    for o in back:
        assert o.truncated == 0.5 and o.occluded == 2 and o.alpha == 1.57
        np.testing.assert_allclose(o.bbox, [1, 2, 30.25, 40.5])
        np.testing.assert_allclose(o.dimensions, [1.5, 1.6, 3.9])
        np.testing.assert_allclose(o.location, [-3.2, 1.7, 20.1])
        assert o.rotation_y == -1.62


def test_official_line_reads_and_rewrites_identically(tmp_path):
    (tmp_path / "l.txt").write_text(PED + "\n\n")
    objs = read_label(tmp_path / "l.txt")
    assert len(objs) == 1
    assert objs == [KittiObject("Pedestrian", 0.0, 0, -0.2, [712.4, 143.0, 810.73, 307.92],
                                [1.89, 0.48, 1.2], [1.84, 1.47, 8.41], 0.01)]
    assert objs != [KittiObject("Pedestrian", 0.0, 0, -0.2, [712.4, 143.0, 810.73, 307.92],
                                [1.89, 0.48, 1.2], [1.84, 1.47, 8.41], 0.01, score=0.5)]
    write_label(tmp_path / "w.txt", objs)
    assert (tmp_path / "w.txt").read_text() == PED + "\n"


def test_objects_to_arrays_shapes_and_values():
    arr = objects_to_arrays([_car(), _car(0.5)])
    assert arr["name"].tolist() == ["Car", "Car"]
    assert arr["bbox"].shape == (2, 4) and arr["dimensions"].shape == (2, 3)
    assert arr["location"].shape == (2, 3)
    np.testing.assert_allclose(arr["score"], [0.0, 0.5])
    np.testing.assert_array_equal(arr["occluded"], [2, 2])
    empty = objects_to_arrays([])
    assert empty["bbox"].shape == (0, 4) and empty["name"].shape == (0,)


@pytest.mark.parametrize("line, expected", [
    ("Car 0.00 0 -0.20 712.40 143.00", "expected 15 fields (16 with a score), got 6"),
    (PED + " 0.9 1.0", "expected 15 fields (16 with a score), got 17"),
    (PED.replace("1.89", "tall"), "expected a number for field 'h', got 'tall'"),
    (PED.replace("Pedestrian", "Bus"), "expected a class name in ("),
    (PED.replace("0.00 0 -0.20", "0.00 1.5 -0.20"), "expected an integer for field 'occluded'"),
])
def test_bad_line_names_file_line_and_expectation(tmp_path, line, expected):
    path = tmp_path / "000007.txt"
    path.write_text(PED + "\n" + line + "\n")
    with pytest.raises(DataFormatError) as e:
        read_label(path)
    assert str(e.value).startswith(f"{path}:2: ")
    assert expected in str(e.value)
    assert e.value.line == 2


def test_unknown_class_message_names_the_class(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text(PED.replace("Pedestrian", "Bus") + "\n")
    expected = r"x\.txt:1: expected a class name in .*'Car'.*got 'Bus'"
    with pytest.raises(DataFormatError, match=expected):
        read_label(path)


def test_missing_file(tmp_path):
    with pytest.raises(DataFormatError, match=r"nope\.txt: expected a KITTI label file"):
        read_label(tmp_path / "nope.txt")
