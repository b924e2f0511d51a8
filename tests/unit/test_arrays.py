"""engage.arrays: the sort-based replacements for numpy's slow hash paths."""

from __future__ import annotations

import numpy as np
import pytest

from engage.arrays import first_repeat, sorted_unique


@pytest.mark.parametrize(
    "values",
    [
        np.array([], dtype=np.int64),
        np.array([5]),
        np.array([3, 1, 3, 2, 1, 9]),
        np.array(["b", "a", "b", "c"]),
        np.random.default_rng(0).integers(0, 50, 1000),
    ],
)
def test_sorted_unique_is_np_unique(values: np.ndarray) -> None:
    got = sorted_unique(values)
    assert got.dtype == np.unique(values).dtype
    np.testing.assert_array_equal(got, np.unique(values))


def test_first_repeat_counts_rows_after_the_first_of_each_code() -> None:
    codes = np.array([7, 3, 7, 5, 3, 7])
    # rows 2 and 5 repeat 7, row 4 repeats 3: three extra rows, the first at row 2
    assert first_repeat(codes) == (3, 2)


@pytest.mark.parametrize("codes", [np.array([], dtype=np.int64), np.array([1]), np.arange(10)])
def test_first_repeat_without_repeats(codes: np.ndarray) -> None:
    assert first_repeat(codes) == (0, -1)
