"""The embedded engine's compiled loops against numpy's plain answers."""
import numpy as np
import pytest

from search.embedded import kernels


@pytest.mark.parametrize("share", [0.0, 0.001, 0.4, 1.0])
@pytest.mark.parametrize("at_least", [1, 2, 3])
def test_rows_holding_lists_exactly_the_rows_that_hold_enough_groups(share, at_least):
    rng = np.random.default_rng(7)
    groups_held = (rng.random(10_000) < share).astype(np.uint16) * rng.integers(1, 4, 10_000).astype(np.uint16)
    assert np.array_equal(kernels.rows_holding(groups_held, at_least), np.flatnonzero(groups_held >= at_least))


@pytest.mark.parametrize("dtype", [np.int64, np.int32])
def test_count_codes_counts_each_rows_code_and_rows_without_a_value_apart(dtype):
    codes = np.array([0, 2, -1, 2, 1, 2], dtype=np.int32)
    counts = np.zeros(4, dtype=np.int64)
    kernels.count_codes(codes, np.array([5, 0, 2, 1, 3], dtype=dtype), counts)
    assert counts.tolist() == [1, 1, 0, 3]


def test_count_codes_refuses_a_row_beyond_the_column_instead_of_reading_past_it():
    counts = np.zeros(2, dtype=np.int64)
    with pytest.raises(IndexError):
        kernels.count_codes(np.zeros(3, dtype=np.int32), np.array([1, 3], dtype=np.int64), counts)
