"""Official KITTI difficulty levels on hand-made boxes."""

import numpy as np
import pytest

from common.kitti import DIFFICULTY_NAMES, difficulty

CASES = [
    # height, occluded, truncated -> level
    (41, 0, 0.0, 0),
    # devkit cleanData ignores height < MIN_HEIGHT (strict; the Python ports use <=): exactly
    # 40 px is easy, exactly 25 px moderate (was 1 and -1 when this followed the ports)
    (40.0, 0, 0.0, 0),
    (39.99, 0, 0.0, 1),
    (100, 0, 0.15, 0),
    (100, 0, 0.16, 1),
    (100, 1, 0.0, 1),
    (30, 1, 0.3, 1),
    (30, 2, 0.2, 2),
    (30, 0, 0.4, 2),
    (26, 2, 0.5, 2),
    (25.0, 0, 0.0, 1),
    (25.0, 2, 0.0, 2),
    (24.99, 0, 0.0, -1),  # too small for every level
    (100, 3, 0.0, -1),    # occlusion 3 = unknown
    (100, 0, 0.51, -1),
]


@pytest.mark.parametrize("h, occ, trunc, level", CASES)
def test_scalar_levels(h, occ, trunc, level):
    assert difficulty(h, occ, trunc) == level
    assert isinstance(difficulty(h, occ, trunc), int)


def test_vectorised_matches_scalars():
    h, occ, trunc, level = map(np.array, zip(*CASES, strict=True))
    got = difficulty(h, occ, trunc)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, level)


def test_names():
    assert DIFFICULTY_NAMES == ("easy", "moderate", "hard")
